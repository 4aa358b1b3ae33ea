import type { ReactNode } from "react";
import { Navigate } from "react-router-dom";
import { useAuth } from "../../auth/AuthProvider";

/**
 * The first screen after sign-in (``/``): the clerk goes straight to Văn bản đến, before the home screen's code is
 * asked for (it would only send them on: one more script to wait for between the sign-in and their list); everyone
 * else gets ``children``, the home screen.
 */
export function Landing({ children }: { children: ReactNode }) {
  const { person } = useAuth();
  if (person?.roles.includes("clerk")) return <Navigate to="/van-ban-den" replace />;
  return <>{children}</>;
}
