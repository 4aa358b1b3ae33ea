import { Tag, Tooltip, Typography } from "antd";
import { withoutRepeatedOrganisation } from "../../components/certificate";
import { common } from "../../components/messages";

// solid tags in dark shades: white text on them keeps WCAG AA contrast (Ant Design's light presets do not)
const COLORS: Record<string, string> = { valid: "#237804", invalid: "#a8071a", pending: "#874d00" };

/** The signature report of an arrival: the verdict in words (never colour alone) and the note on hover. */
export function SignatureTag({ check, note }: { check: string; note?: string }) {
  const tag = <Tag color={COLORS[check] ?? "#595959"}>{common.signature[check] ?? check}</Tag>;
  return note ? <Tooltip title={withoutRepeatedOrganisation(note)}>{tag}</Tooltip> : tag;
}

/**
 * Who signed an arrival's files and when, one line a signature, as the verification found them ("Nguyễn Văn Hưởng —
 * Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long), ký lúc 09:31 01/12/2026": the certificate's name, title and agency, as
 * components/certificate.ts writes a certificate subject; an agency's seal names the agency once); nothing before the
 * verification. The same signature on several files (the agency's seal on the main file and each attachment, at the
 * same minute) is one line saying on how many files.
 */
export function SignatureSigners({ signers }: { signers?: string[] }) {
  if (!signers?.length) return null;
  const times = new Map<string, number>();
  for (const line of signers.map(withoutRepeatedOrganisation)) times.set(line, (times.get(line) ?? 0) + 1);
  return (
    <ul data-testid="signature-signers" style={{ margin: "4px 0 0", paddingLeft: 18 }}>
      {[...times].map(([line, n]) => <li key={line}><Typography.Text>
        {n > 1 ? common.signedFiles(line, n) : line}</Typography.Text></li>)}
    </ul>
  );
}
