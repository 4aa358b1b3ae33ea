import { Space } from "antd";
import { Navigate } from "react-router-dom";
import { useAuth } from "../../auth/AuthProvider";
import { DepositsWaiting } from "../records/DepositsWaiting";
import { MyWork } from "../work/MyWork";
import { DelegationNotice } from "./DelegationNotice";

/**
 * The clerk starts at the incoming list (their tasks are under Công việc; the revocations waiting for them on top:
 * RevocationsWaiting); everyone else at their tasks, the
 * archivist with the count of deposits waiting for them above; a deputy with the delegations in force for them
 * (ủy quyền) on top.
 */
export function Home() {
  const { person } = useAuth();
  if (person?.roles.includes("clerk")) return <Navigate to="/van-ban-den" replace />;
  return (
    <>
      <DelegationNotice />
      {person?.roles.includes("archivist") ? (
        <Space direction="vertical" size="middle" style={{ width: "100%" }}>
          <DepositsWaiting />
          <MyWork />
        </Space>
      ) : <MyWork />}
    </>
  );
}
