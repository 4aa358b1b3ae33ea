import { QueryClient, QueryClientProvider, useMutation } from "@tanstack/react-query";
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { useSingleFlight } from "./singleFlight";

describe("useSingleFlight", () => {
  it("sends a double click once, and the next click after the first finished", async () => {
    const sent: string[] = [];
    let finish: () => void = () => undefined;
    const client = new QueryClient();
    const wrapper = ({ children }: { children: ReactNode }) =>
      <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => {
      const save = useMutation({
        mutationFn: (abstract: string) => { sent.push(abstract); return new Promise<void>((done) => { finish = done; }); },
      });
      return { save, submit: useSingleFlight(save) };
    }, { wrapper });
    act(() => { result.current.submit("V/v báo cáo tình hình"); result.current.submit("V/v báo cáo tình hình"); });
    await waitFor(() => expect(result.current.save.isPending).toBe(true));
    act(() => result.current.submit("lần thứ ba, khi lần đầu chưa xong"));
    expect(sent).toEqual(["V/v báo cáo tình hình"]);
    act(() => finish());
    await waitFor(() => expect(result.current.save.isSuccess).toBe(true));
    act(() => result.current.submit("Đề nghị bổ sung"));
    await waitFor(() => expect(sent).toEqual(["V/v báo cáo tình hình", "Đề nghị bổ sung"]));
  });
});
