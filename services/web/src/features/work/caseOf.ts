import { unwrap, type ApiClient, type Case } from "../../api/client";

/**
 * A document's workflow case, or null when it has none yet (an arrival not submitted, a draft whose circuit has not
 * started): asked with ``if_exists``, so the gateway answers null instead of a 404 that the browser's console would
 * log as an error on every such page. A 404 (an older gateway) still reads as none.
 */
export async function caseOf(api: ApiClient, documentId: string): Promise<Case | null> {
  const reply = await api.GET("/api/v1/workflow/documents/{document_id}/case",
    { params: { path: { document_id: documentId }, query: { if_exists: true } } });
  if (reply.response.status === 404) return null;
  return unwrap(reply) ?? null;
}
