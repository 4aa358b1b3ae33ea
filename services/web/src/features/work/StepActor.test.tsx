import { screen } from "@testing-library/react";
import type { Step } from "../../api/client";
import { fakeGateway, renderWith, type Call } from "../../test/render";
import { StepActor } from "./StepActor";

const STEP: Step = { seq: 3, task_id: "t1", action: "assign", from_state: "submitted", to_state: "assigned",
  actor: "phochutich.ubnd", actor_name: "Trần Văn Phó", at: "2026-11-20T09:00:00+07:00", comment: "",
  on_behalf_of: "", delegation_id: "", competence: "" };
const PEOPLE = [{ subject: "s1", username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", email: "", enabled: true }];
const people = (calls: Call[]) => calls.filter((c) => c.path === "/api/v1/people").length;

describe("Who took a step (delegation, ủy quyền)", () => {
  it("names a deputy acting for the delegator with the competence the delegation gives", async () => {
    const { api } = fakeGateway({ "GET /api/v1/people": PEOPLE });
    renderWith(<StepActor step={{ ...STEP, on_behalf_of: "lanhdao.ubnd", delegation_id: "d1", competence: "KT." }} />,
      { api });
    expect(await screen.findByText("(KT. thay Nguyễn Văn Lãnh, ủy quyền)")).toBeInTheDocument();
    expect(screen.getByText(/Trần Văn Phó/)).toBeInTheDocument();
  });

  it("keeps the delegator's username when the agency no longer lists them, and says nothing more without one", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/people": [] });
    const { unmount } = renderWith(<StepActor step={{ ...STEP, on_behalf_of: "cu.lanhdao", competence: "" }} />, { api });
    expect(await screen.findByText("(thay cu.lanhdao, ủy quyền)")).toBeInTheDocument();
    unmount();
    const plain = fakeGateway({});
    renderWith(<StepActor step={STEP} />, { api: plain.api });
    expect(screen.getByText("Trần Văn Phó")).toBeInTheDocument();
    expect(screen.queryByTestId("step-delegation")).not.toBeInTheDocument();
    expect(people(plain.calls)).toBe(0); // no delegation: the people are not fetched
    expect(people(calls)).toBe(1);
  });

  it("names by full name a step recorded with the username only (Dừng quy trình), and a service as Hệ thống", async () => {
    const { api } = fakeGateway({ "GET /api/v1/people": PEOPLE });
    renderWith(<StepActor step={{ ...STEP, action: "withdraw", actor: "lanhdao.ubnd", actor_name: "" }} />, { api });
    expect(await screen.findByText("Nguyễn Văn Lãnh")).toBeInTheDocument();
    expect(screen.queryByText("lanhdao.ubnd")).not.toBeInTheDocument();
    renderWith(<StepActor step={{ ...STEP, actor: "service-account-vanthu-registry", actor_name: "" }} />, { api });
    expect(screen.getByText("Hệ thống")).toBeInTheDocument();
  });
});
