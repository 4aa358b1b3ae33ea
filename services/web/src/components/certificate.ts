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

/** "Họ tên — Chức danh (Đơn vị, Cơ quan)" from a certificate subject; the subject itself when it names no one (no
 * CN), "" for "". */
export function formatCertificateSubject(subject: string): string {
  if (!subject.trim()) return "";
  const attrs = parseDistinguishedName(subject);
  const all = (key: string) => attrs.filter((a) => TYPES[a.type] === key && a.value.trim()).map((a) => a.value.trim());
  const [name] = all("cn");
  if (!name) return subject;
  const title = all("title").join(", ");
  const organisation = [...all("ou"), ...all("o")].join(", ");
  return `${name}${title ? ` — ${title}` : ""}${organisation ? ` (${organisation})` : ""}`;
}
