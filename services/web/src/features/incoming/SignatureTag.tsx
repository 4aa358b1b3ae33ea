import { Tag, Tooltip } from "antd";
import { common } from "../../components/messages";

// solid tags in dark shades: white text on them keeps WCAG AA contrast (Ant Design's light presets do not)
const COLORS: Record<string, string> = { valid: "#237804", invalid: "#a8071a", pending: "#874d00" };

/** The signature report of an arrival: the verdict in words (never colour alone) and the note on hover. */
export function SignatureTag({ check, note }: { check: string; note?: string }) {
  const tag = <Tag color={COLORS[check] ?? "#595959"}>{common.signature[check] ?? check}</Tag>;
  return note ? <Tooltip title={note}>{tag}</Tooltip> : tag;
}
