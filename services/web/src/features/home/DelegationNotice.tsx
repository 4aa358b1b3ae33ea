import { useQuery } from "@tanstack/react-query";
import { Alert, Space } from "antd";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { formatDate } from "../../components/dates";
import { useActingFor } from "../work/delegations";

/** Words of the deputy's notice (ủy quyền in force for them). */
export const notice = {
  acting: (delegator: string, competence: string, from: string, to: string) =>
    `Bạn đang được ${delegator} ủy quyền (${competence}) từ ${from} đến ${to}`,
  unit: (unit: string) => `, việc của ${unit}`,
  why: ". Việc của người ủy quyền hiện cả trong hộp việc của bạn.",
};

/**
 * Trang chủ of a deputy: one notice per delegation in force given to them ("Bạn đang được Nguyễn Văn Hưởng ủy quyền
 * (KT.) từ 01/12/2026 đến 05/12/2026"), naming the unit for a head's delegation, so they know why someone else's tasks
 * are in their list. Nothing when none is in force (or the list cannot be read).
 */
export function DelegationNotice() {
  const api = useApi();
  const acting = useActingFor();
  const units = useQuery({ queryKey: ["units"], queryFn: async () => unwrap(await api.GET("/api/v1/units")),
    staleTime: 300_000, enabled: acting.some((d) => !!d.unit_code) });
  if (!acting.length) return null;
  const unitName = (code: string) => units.data?.find((u) => u.code === code)?.name ?? code;
  return (
    <Space direction="vertical" style={{ width: "100%", marginBottom: 16 }}>
      {acting.map((d) => (
        <Alert key={d.id} type="info" showIcon data-testid="delegation-notice" message={
          notice.acting(d.delegator_name || d.delegator_username, d.competence, formatDate(d.valid_from),
            formatDate(d.valid_to)) + (d.unit_code ? notice.unit(unitName(d.unit_code)) : "") + notice.why} />
      ))}
    </Space>
  );
}
