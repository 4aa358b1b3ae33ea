import { useQuery } from "@tanstack/react-query";

/** The gateway's /web-config.json: the local signing tool's base URL ("" when none is configured). */
export function useToolUrl(given?: string) {
  const config = useQuery({
    queryKey: ["web-config"],
    queryFn: async () => (await (await fetch("/web-config.json")).json()) as { signing_tool_url?: string },
    enabled: given === undefined,
    staleTime: Infinity,
  });
  return given ?? config.data?.signing_tool_url;
}
