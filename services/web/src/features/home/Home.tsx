import { Space } from "antd";
import { Navigate } from "react-router-dom";
import { useAuth } from "../../auth/AuthProvider";
import { DepositsWaiting } from "../records/DepositsWaiting";
import { MyWork } from "../work/MyWork";

/**
 * The clerk starts at the incoming list (their tasks are under Công việc); everyone else at their tasks, the
 * archivist with the count of deposits waiting for them above.
 */
export function Home() {
  const { person } = useAuth();
  if (person?.roles.includes("clerk")) return <Navigate to="/van-ban-den" replace />;
  if (person?.roles.includes("archivist")) {
    return (
      <Space direction="vertical" size="middle" style={{ width: "100%" }}>
        <DepositsWaiting />
        <MyWork />
      </Space>
    );
  }
  return <MyWork />;
}
