import { useQuery } from "@tanstack/react-query";
import { Alert } from "antd";
import { Link } from "react-router-dom";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { rec } from "./messages";

/** The most files one page of the list counts; more shows as "200+". */
const PAGE = 200;

/**
 * The archivist's home: how many files their creators submitted for deposit (nộp lưu) wait to be accepted or
 * returned, linking to the Nộp lưu tab (Decree 30/2020 Art. 31: the archive receives the files due each year).
 */
export function DepositsWaiting() {
  const api = useApi();
  const waiting = useQuery({
    queryKey: ["records", "files", 0, "submitted", false, false],
    queryFn: async () => unwrap(await api.GET("/api/v1/records/files",
      { params: { query: { state: "submitted", limit: PAGE } } })),
  });
  if (!waiting.data) return null;
  const count = waiting.data.files.length;
  const shown = waiting.data.next_cursor ? `${PAGE}+` : String(count);
  return (
    <Alert type={count ? "info" : "success"} showIcon data-testid="deposits-waiting"
      message={count ? rec.deposits.home(shown) : rec.deposits.none}
      action={count ? <Link to="/ho-so?tab=deposits">{rec.deposits.open}</Link> : undefined} />
  );
}
