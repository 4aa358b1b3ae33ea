/**
 * A text as the pickers compare it: lower case, tones and marks stripped (NFD), đ as d — "Nguyễn Văn Sơn" is found by
 * "son", "Phòng Tổ chức cán bộ" by "to chuc". The web app's one folding (the server's is ``vanthu_core.text.fold``):
 * every picker that searches in the browser filters with :func:`foldFilter`.
 */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/gi, "d").toLowerCase();
}

/** An antd Select's ``filterOption``: the option whose label contains what was typed, both folded. */
export function foldFilter(input: string, option?: { label?: unknown }): boolean {
  return fold(String(option?.label ?? "")).includes(fold(input.trim()));
}
