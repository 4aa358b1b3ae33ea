import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { fakePdf } from "../../test/fakePdf";
import { PdfViewer } from "./PdfViewer";

const { drawn } = fakePdf;

vi.mock("./pdf", async () => (await import("../../test/fakePdf")).module);

const PDF = new TextEncoder().encode("%PDF-1.7 three pages").buffer as ArrayBuffer;

describe("the PDF viewer", () => {
  beforeEach(() => { drawn.length = 0; fakePdf.closed = 0; });

  it("turns pages and zooms by the buttons and the keyboard, and is labelled for screen readers", async () => {
    const { container, unmount } = render(<PdfViewer data={PDF} name="Công văn.pdf" />);
    const canvas = await screen.findByRole("img", { name: "Trang 1/3 của tệp Công văn.pdf" });
    await waitFor(() => expect(drawn.at(-1)).toEqual({ page: 1, scale: 1 }));
    expect(screen.getByRole("button", { name: "Trang trước" })).toBeDisabled();
    expect(screen.getByText("/ 3")).toBeInTheDocument();

    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Trang sau" }));
    expect(await screen.findByRole("img", { name: "Trang 2/3 của tệp Công văn.pdf" })).toBe(canvas);
    await waitFor(() => expect(drawn.at(-1)).toEqual({ page: 2, scale: 1 }));

    await user.click(screen.getByRole("button", { name: "Phóng to" }));
    expect(screen.getByTestId("pdf-zoom")).toHaveTextContent("Tỷ lệ 125%");
    await waitFor(() => expect(drawn.at(-1)).toEqual({ page: 2, scale: 1.25 }));
    expect(screen.getByRole("button", { name: "Vừa chiều rộng" })).toBeEnabled();

    const frame = screen.getByRole("group");
    fireEvent.keyDown(frame, { key: "ArrowRight" });
    expect(await screen.findByRole("img", { name: "Trang 3/3 của tệp Công văn.pdf" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Trang sau" })).toBeDisabled();
    fireEvent.keyDown(frame, { key: "-" });
    fireEvent.keyDown(frame, { key: "-" });
    expect(screen.getByTestId("pdf-zoom")).toHaveTextContent("Tỷ lệ 75%");

    fireEvent.change(screen.getByRole("spinbutton", { name: "Số trang" }), { target: { value: "1" } });
    expect(await screen.findByRole("img", { name: "Trang 1/3 của tệp Công văn.pdf" })).toBeInTheDocument();

    const results = await axe.run(container, { rules: { region: { enabled: false }, "color-contrast": { enabled: false } } });
    expect(results.violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
    unmount();
    expect(fakePdf.closed).toBe(1);
  });

  it("draws the signature image where it will land, on its page, and opens there", async () => {
    render(<PdfViewer data={PDF} name="Tờ trình.pdf" mark={{ page: 2, box: [350, 150, 530, 230],
      image: "data:image/png;base64,iVBORw0KGgo=", label: "Chữ ký của bạn sẽ đặt ở đây" }} />);
    expect(await screen.findByRole("img", { name: "Trang 2/3 của tệp Tờ trình.pdf" })).toBeInTheDocument();
    const mark = await screen.findByAltText("Chữ ký của bạn sẽ đặt ở đây");
    expect(mark).toHaveStyle({ left: "350px", top: "612px", width: "180px", height: "80px" }); // scale 1 (jsdom: no width)
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Phóng to" }));
    expect(screen.getByAltText("Chữ ký của bạn sẽ đặt ở đây")).toHaveStyle({ left: "437.5px", width: "225px" });
    await user.click(screen.getByRole("button", { name: "Trang sau" }));
    expect(await screen.findByRole("img", { name: "Trang 3/3 của tệp Tờ trình.pdf" })).toBeInTheDocument();
    expect(screen.queryByAltText("Chữ ký của bạn sẽ đặt ở đây")).not.toBeInTheDocument();
  });

  it("opens fitted to its frame's width, never above the page's own size; Vừa chiều rộng fills the frame", async () => {
    const width = vi.spyOn(HTMLElement.prototype, "clientWidth", "get");
    try {
      width.mockReturnValue(400);  // a phone: 384 px for a 595 pt page
      const phone = render(<PdfViewer data={PDF} name="Công văn.pdf" />);
      await waitFor(() => expect(screen.getByTestId("pdf-zoom")).toHaveTextContent("Tỷ lệ 65%"));
      expect(screen.getByRole("button", { name: "Vừa chiều rộng" })).toBeDisabled();
      phone.unmount();
      width.mockReturnValue(1000);  // a desktop column: filling it would be 165 %
      render(<PdfViewer data={PDF} name="Công văn.pdf" />);
      await waitFor(() => expect(drawn.at(-1)).toEqual({ page: 1, scale: 1 }));
      expect(screen.getByTestId("pdf-zoom")).toHaveTextContent("Tỷ lệ 100%");
      await userEvent.click(screen.getByRole("button", { name: "Vừa chiều rộng" }));
      expect(screen.getByTestId("pdf-zoom")).toHaveTextContent("Tỷ lệ 165%");
    } finally {
      width.mockRestore();
    }
  });

  it("says so when the file is not a readable PDF", async () => {
    render(<PdfViewer data={new TextEncoder().encode("not a pdf").buffer as ArrayBuffer} name="hỏng.pdf" />);
    expect(await screen.findByText("Không mở được tệp PDF này. Hãy tải về để xem.")).toBeInTheDocument();
    expect(drawn).toEqual([]);
  });
});
