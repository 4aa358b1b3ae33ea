import { Result, Tabs, Typography } from "antd";
import { Link, useSearchParams } from "react-router-dom";
import { useAuth } from "../../auth/AuthProvider";
import { common } from "../../components/messages";
import { useHasRole } from "../../components/roles";
import { SigningProfile } from "../profile/ProfilePage";
import { AgenciesTab } from "./AgenciesTab";
import { adm } from "./messages";
import { TypesTab } from "./TypesTab";
import { UnitsTab } from "./UnitsTab";

type Tab = keyof typeof adm.tabs;
const TABS: Tab[] = ["units", "agencies", "types", "registers", "signing"];

/**
 * Quản trị (``/quan-tri``, the admin role only; every change is judged again by the registry or the signing service):
 * units and their members, the agency's directory entries, document types with the exchange catalogue, the register
 * books (on their own page), and the agency's signing profile (read only; the seal image can be replaced).
 */
export function AdminPage() {
  const { person } = useAuth();
  const admin = useHasRole("admin");
  const [params, setParams] = useSearchParams();
  const active = (TABS as string[]).includes(params.get("tab") ?? "") ? (params.get("tab") as Tab) : "units";
  if (!admin) return <Result status="403" title={adm.onlyAdmin} extra={<Link to="/">{common.menu.home}</Link>} />;
  const panes: Record<Tab, JSX.Element> = {
    units: <UnitsTab />,
    agencies: <AgenciesTab own={person?.agency ?? ""} />,
    types: <TypesTab />,
    registers: (
      <Typography.Paragraph>
        {adm.registers.intro} <Link to="/so-van-ban">{adm.registers.open}</Link>
      </Typography.Paragraph>
    ),
    signing: <SigningProfile />,
  };
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>{adm.title}</Typography.Title>
      <Tabs activeKey={active} onChange={(key) => setParams({ tab: key })} destroyOnHidden
        items={TABS.map((tab) => ({ key: tab, label: adm.tabs[tab], children: panes[tab] }))} />
    </>
  );
}
