/**
 * A register's number (số đến, số văn bản đi) as the register book prints it: numbers below 10 take a leading zero
 * (01, 02 … 09, 10, Decree 30/2020 Appendix I: numbering starts at 01), as the registry's exports write them
 * (services/registry domain/documents.py ``format_number``); 0 or none (not numbered yet) → "".
 */
export function bookNumber(value: number | null | undefined): string {
  return value ? String(value).padStart(2, "0") : "";
}
