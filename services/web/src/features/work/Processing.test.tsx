import { screen, within } from "@testing-library/react";
import { job, jobTask, PEOPLE } from "../jobs/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { ProcessingTree } from "./Processing";

describe("the processing tree", () => {
  it("names the officer a unit's head gave the task to, with the unit, never a subject", async () => {
    const { api } = fakeGateway({ "GET /api/v1/people": PEOPLE });
    const current = job({ state: "in_progress", tasks: [
      jobTask({ id: "jt-unit", assignee_kind: "unit", assignee: "TH", state: "done" }),
      jobTask({ id: "jt-cv", assignee_kind: "person", assignee: "s-cv", state: "open" }),
      jobTask({ id: "jt-left", kind: "cooperating", assignee_kind: "person", assignee: "s-gone", unit_code: "TH" })] });
    renderWith(<ProcessingTree current={current} />, { api });
    const rows = within(screen.getByTestId("processing-tasks")).getAllByRole("row");
    expect(rows[1]).toHaveTextContent("Phòng Tổng hợp");
    expect(await within(rows[2] as HTMLElement).findByText("Lê Văn Chuyên (Phòng Tổng hợp)")).toBeInTheDocument();
    expect(rows[2]).not.toHaveTextContent("s-cv");
    expect(rows[3]).toHaveTextContent("Phòng Tổng hợp — đã giao cán bộ xử lý");  // a person no longer in the agency
  });
});
