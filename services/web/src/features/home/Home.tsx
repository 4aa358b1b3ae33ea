import { Card, Typography } from "antd";
import { Navigate } from "react-router-dom";
import { useAuth } from "../../auth/AuthProvider";
import { common } from "../../components/messages";

/** The clerk starts at the incoming list; others see who they are until their screens come (issue 14). */
export function Home() {
  const { person } = useAuth();
  if (person?.roles.includes("clerk")) return <Navigate to="/van-ban-den" replace />;
  return (
    <Card>
      <Typography.Title level={1} style={{ fontSize: 22 }}>
        Xin chào, {person?.name}
      </Typography.Title>
      <Typography.Paragraph>
        Vai trò: {person?.roles.map((r) => common.roles[r]).join(", ")} — cơ quan {person?.agency}
      </Typography.Paragraph>
    </Card>
  );
}
