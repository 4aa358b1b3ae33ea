import { Navigate } from "react-router-dom";
import { useAuth } from "../../auth/AuthProvider";
import { MyWork } from "../work/MyWork";

/** The clerk starts at the incoming list (their tasks are under Công việc); everyone else at their tasks. */
export function Home() {
  const { person } = useAuth();
  if (person?.roles.includes("clerk")) return <Navigate to="/van-ban-den" replace />;
  return <MyWork />;
}
