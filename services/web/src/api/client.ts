import createClient, { type Middleware } from "openapi-fetch";
import { statusMessage } from "./messages";
import type { components, paths } from "./schema";

export type Document = components["schemas"]["DocumentOut"];
export type HistoryEntry = components["schemas"]["HistoryOut"];
export type Register = components["schemas"]["RegisterOut"];
export type DocumentType = components["schemas"]["DocumentTypeOut"];
export type Problem = components["schemas"]["Problem"];
export type Case = components["schemas"]["CaseOut"];
export type Task = components["schemas"]["TaskOut"];
export type Step = components["schemas"]["StepOut"];
export type Party = components["schemas"]["PartyOut"];
export type PartyIn = components["schemas"]["PartyIn"];
export type AssignBody = components["schemas"]["AssignIn"];
export type Inbox = components["schemas"]["InboxOut"];
export type Unit = components["schemas"]["UnitOut"];
export type PersonEntry = components["schemas"]["PersonOut"];
export type Member = components["schemas"]["MemberOut"];
export type Delegation = components["schemas"]["DelegationOut"];
export type SearchResult = components["schemas"]["SearchOut"];
export type SearchHit = components["schemas"]["SearchHitOut"];
export type SearchHighlight = components["schemas"]["HighlightOut"];
export type ApiClient = ReturnType<typeof createClient<paths>>;

/** A refusal or failure of the gateway (problem+json), with the text to show: the problem's own (Vietnamese) detail,
 * else its title, else a Vietnamese sentence for the status (``statusMessage``). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? statusMessage(status));
  }
}

/**
 * The typed client of the gateway (types generated from its OpenAPI document): each request carries the person's
 * token; a 401 means the session is over (``onUnauthorized``).
 */
export function createApi(
  token: () => string | undefined,
  onUnauthorized: () => void,
  fetchImpl?: typeof fetch,
): ApiClient {
  const client = createClient<paths>({ baseUrl: fetchImpl ? "http://gateway" : "", fetch: fetchImpl });
  const auth: Middleware = {
    onRequest({ request }) {
      const value = token();
      if (value) request.headers.set("Authorization", `Bearer ${value}`);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthorized();
      return response;
    },
  };
  client.use(auth);
  return client;
}

/** The data of an openapi-fetch answer, or an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || result.data === undefined) {
    throw new ApiError(result.response.status, (result.error ?? {}) as Partial<Problem>);
  }
  return result.data;
}
