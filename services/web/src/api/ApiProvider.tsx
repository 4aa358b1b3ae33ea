import { createContext, useContext, useMemo, useRef, type ReactNode } from "react";
import { useAuth } from "../auth/AuthProvider";
import { createApi, type ApiClient } from "./client";

export const ApiContext = createContext<ApiClient | null>(null);

export function ApiProvider({ children, client }: { children: ReactNode; client?: ApiClient }) {
  const { user, endSession } = useAuth();
  const token = useRef<string | undefined>(undefined);
  token.current = user?.access_token;
  const api = useMemo(() => client ?? createApi(() => token.current, endSession), [client, endSession]);
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>;
}

export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error("useApi outside ApiProvider");
  return api;
}
