/**
 * Certificate subjects as people read them. The signing service gives a certificate's subject as an RFC 4514
 * string ("CN=Nguyễn Văn Hưởng,2.5.4.12=Chủ tịch,OU=VanThu DEVELOPMENT ONLY,O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN");
 * a civil servant reads "Nguyễn Văn Hưởng — Chủ tịch (VanThu DEVELOPMENT ONLY, Ủy ban nhân dân tỉnh Vĩnh Long)".
 */

/** Attribute types by their short name, and the OIDs an RFC 4514 string writes in dotted form (2.5.4.12: title). */
const TYPES: Record<string, string> = {
  cn: "cn", "2.5.4.3": "cn", title: "title", t: "title", "2.5.4.12": "title", o: "o", "2.5.4.10": "o",
  ou: "ou", "2.5.4.11": "ou",
};

/** The attributes of an RFC 4514 distinguished name, in their order (multi-valued RDNs flattened), values
 * unescaped (``\,`` ``\+`` ``\\`` …, and ``\C3\A1`` as UTF-8 bytes); types lower-cased. */
export function parseDistinguishedName(dn: string): { type: string; value: string }[] {
  const out: { type: string; value: string }[] = [];
  let i = 0;
  while (i < dn.length) {
    const eq = dn.indexOf("=", i);
    if (eq < 0) break;
    const type = dn.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    const bytes: number[] = [];
    const text = (s: string) => bytes.push(...new TextEncoder().encode(s));
    while (i < dn.length && dn[i] !== "," && dn[i] !== "+") {
      if (dn[i] === "\\" && i + 1 < dn.length) {
        const hex = dn.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 3;
        } else {
          text(dn[i + 1] ?? "");
          i += 2;
        }
      } else {
        // one code point (a character outside the BMP is two UTF-16 units)
        const ch = String.fromCodePoint(dn.codePointAt(i) ?? 0);
        text(ch);
        i += ch.length;
      }
    }
    out.push({ type, value: new TextDecoder().decode(new Uint8Array(bytes)).normalize("NFC") });
    i += 1;  // the separator
  }
  return out;
}

/** "Họ tên — Chức danh (Đơn vị, Cơ quan)" from a certificate subject (an agency's seal: "Cơ quan (Đơn vị)", the agency
 * once); the subject itself when it names no one (no CN), "" for "". */
export function formatCertificateSubject(subject: string): string {
  if (!subject.trim()) return "";
  const attrs = parseDistinguishedName(subject);
  const all = (key: string) => attrs.filter((a) => TYPES[a.type] === key && a.value.trim()).map((a) => a.value.trim());
  const [name] = all("cn");
  if (!name) return subject;
  const title = all("title").join(", ");
  // an agency's seal (chữ ký số của cơ quan) names the agency as its holder: said once, not again in brackets
  const organisation = [...all("ou"), ...all("o")].filter((o) => o !== name).join(", ");
  return `${name}${title ? ` — ${title}` : ""}${organisation ? ` (${organisation})` : ""}`;
}

/** A signer's name, its title, and the bracket after them: "Ủy ban nhân dân tỉnh Vĩnh Long (Ủy ban nhân dân tỉnh Vĩnh
 * Long)". The name stops at ":", ";", "—" and brackets, so a note's "tệp.pdf: HỢP LỆ (1 chữ ký: …" is not one. */
const SIGNER_WITH_ORGANISATION = /([^:;()—]+?)((?: — [^:;()]+)?) \(([^()]*)\)/gu;

/**
 * ``text`` (a signer line of the signature report, "Ủy ban nhân dân tỉnh Vĩnh Long (Ủy ban nhân dân tỉnh Vĩnh Long),
 * ký lúc 09:30 01/12/2026", or the verification's note that holds such lines) with an organisation that repeats the
 * signer's own name left out of the bracket: an agency's seal names the agency once. Anything else is unchanged.
 */
export function withoutRepeatedOrganisation(text: string): string {
  return text.replace(SIGNER_WITH_ORGANISATION, (all, name: string, title: string, bracket: string) => {
    const parts = bracket.split(", ");
    const kept = parts.filter((part) => part.trim() !== name.trim());
    if (kept.length === parts.length) return all;
    return `${name}${title}${kept.length ? ` (${kept.join(", ")})` : ""}`;
  });
}
