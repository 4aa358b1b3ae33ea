import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor, type ByRoleOptions } from "@testing-library/react";
import { App as AntApp, ConfigProvider } from "antd";
import viVN from "antd/locale/vi_VN";
import type { UserManager } from "oidc-client-ts";
import type { ReactNode } from "react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { ApiContext } from "../api/ApiProvider";
import { createApi } from "../api/client";
import { AuthContext } from "../auth/AuthProvider";
import type { Person } from "../auth/claims";

export interface Call {
  method: string;
  path: string;
  body: unknown;
}

/**
 * A gateway answering from ``routes`` ("GET /api/v1/documents" → JSON, or a Response for another status or body);
 * every request is recorded in ``calls`` (its JSON body parsed, any other as text).
 */
export function fakeGateway(routes: Record<string, unknown>) {
  const calls: Call[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = request.method === "GET" ? "" : await request.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;  // not JSON (jsdom's FormData reaches Node's Request as text: spy on FormData to see a form)
    }
    calls.push({ method: request.method, path: url.pathname + url.search, body });
    const key = `${request.method} ${url.pathname}`;
    if (!(key in routes)) {
      return new Response(JSON.stringify({ title: "Not Found", status: 404, detail: "not found" }), {
        status: 404, headers: { "Content-Type": "application/problem+json" } });
    }
    const value = routes[key];
    const answer = typeof value === "function" ? (value as (u: URL) => unknown)(url) : value;
    if (answer instanceof Response) return answer.clone();  // a status or a body of its own (204, 422, a file)
    return new Response(JSON.stringify(answer), { status: 200, headers: { "Content-Type": "application/json" } });
  };
  return { calls, api: createApi(() => "token", () => {}, fetchImpl as typeof fetch) };
}

export const CLERK: Person = { username: "vanthu.snv", name: "Đặng Thị Mỹ Xuyên", agency: "000.00.02.H61", roles: ["clerk"] };

export function renderWith(ui: ReactNode, { api, person = CLERK, path = "/", route = "*" }: {
  api: ReturnType<typeof createApi>; person?: Person; path?: string; route?: string;
}) {
  const auth = {
    manager: {} as UserManager, user: null, person, loading: false,
    signIn: async () => {}, signOut: async () => {}, signingOut: false, endSession: () => {},
  };
  const queries = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <ConfigProvider locale={viVN}>
      <AntApp>
        <QueryClientProvider client={queries}>
          <AuthContext.Provider value={auth}>
            <ApiContext.Provider value={api}>
              <MemoryRouter initialEntries={[path]}>
                <Routes><Route path={route} element={ui} /></Routes>
              </MemoryRouter>
            </ApiContext.Provider>
          </AuthContext.Provider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>,
  );
}

/** Types ``ddmmyyyy`` (dd/mm/yyyy) into a DateField's input and confirms it with Enter, as a person does. */
export function typeDate(input: HTMLElement, ddmmyyyy: string) {
  fireEvent.mouseDown(input);
  fireEvent.focus(input);
  fireEvent.change(input, { target: { value: ddmmyyyy } });
  fireEvent.keyDown(input, { key: "Enter", code: "Enter", keyCode: 13 });
  fireEvent.blur(input);
}

/**
 * The element of ``role`` named ``options.name`` once a person could click it: Ant Design's Spin keeps its content
 * blurred (``pointer-events: none``) for one render after loading ends, which user-event refuses to click through.
 * ``timeout`` (ms): how long to wait (default: the configured async wait).
 */
export async function findClickable(role: string, options: ByRoleOptions, timeout?: number): Promise<HTMLElement> {
  return waitFor(() => {
    const element = screen.getByRole(role, options);
    if (element.closest(".ant-spin-blur")) throw new Error(`${role} "${String(options.name)}" is still behind a spinner`);
    return element;
  }, timeout === undefined ? undefined : { timeout });
}
