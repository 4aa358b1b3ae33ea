import { useQuery } from "@tanstack/react-query";
import { Alert } from "antd";
import { Link } from "react-router-dom";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { rec } from "./messages";

/** The most files one page of the list counts; more shows as "200+". */
const PAGE = 200;

/**
 * The files submitted for deposit that wait for the archivist (the home page's notice and the menu's Hồ sơ count
 * share this query). ``count`` is undefined while unknown; ``shown`` says "200+" past a page.
 */
export function useDepositsWaiting(enabled = true): { count: number | undefined; shown: string } {
  const api = useApi();
  const waiting = useQuery({
    queryKey: ["records", "files", 0, "submitted", false, false], enabled,
    queryFn: async () => unwrap(await api.GET("/api/v1/records/files",
      { params: { query: { state: "submitted", limit: PAGE } } })),
  });
  const count = waiting.data?.files.length;
  return { count, shown: waiting.data?.next_cursor ? `${PAGE}+` : String(count ?? "") };
}

/**
 * The archivist's home: how many files their creators submitted for deposit (nộp lưu) wait to be accepted or
 * returned, linking to the Nộp lưu tab (Decree 30/2020 Art. 31: the archive receives the files due each year).
 */
export function DepositsWaiting() {
  const { count, shown } = useDepositsWaiting();
  if (count === undefined) return null;
  return (
    <Alert type={count ? "info" : "success"} showIcon data-testid="deposits-waiting"
      message={count ? rec.deposits.home(shown) : rec.deposits.none}
      action={count ? <Link to="/ho-so?tab=deposits">{rec.deposits.open}</Link> : undefined} />
  );
}
