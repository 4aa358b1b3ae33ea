/** The kinds of file a civil servant knows by name; the registry's refusal at trình ký says the same
 * (services/registry vanthu_registry.domain.documents.file_kind). */
const KINDS: Record<string, string> = {
  docx: "tệp Word (.docx)", doc: "tệp Word (.doc)", xlsx: "tệp Excel (.xlsx)", xls: "tệp Excel (.xls)",
  odt: "tệp văn bản OpenDocument (.odt)",
};
const KIND_OF_TYPE: Record<string, string> = {
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.oasis.opendocument.text": "odt",
};

/** A file's kind in plain Vietnamese: "tệp Word (.docx)", "tệp Excel (.xlsx)", else its extension ("tệp .png");
 * never a MIME type. */
export function fileKind(fileName: string, contentType = ""): string {
  const name = fileName.split("/").pop() ?? "";
  const dot = name.lastIndexOf(".");
  const extension = (dot >= 0 ? name.slice(dot + 1).toLowerCase() : "") || (KIND_OF_TYPE[contentType] ?? "");
  return KINDS[extension] ?? (extension ? `tệp .${extension}` : "tệp không phải PDF");
}

/** Whether a file is a PDF, by its type or its name. */
export function isPdf(file: { name: string; type?: string }): boolean {
  return file.type === "application/pdf" || file.name.toLowerCase().endsWith(".pdf");
}
