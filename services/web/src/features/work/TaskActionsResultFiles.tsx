import { useQuery } from "@tanstack/react-query";
import { Button, Space } from "antd";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { work } from "./messages";

const t = work.task;

/** One result file (báo cáo kết quả): its name (the gateway's metadata) and a button that downloads it. */
function ResultFileLink({ id }: { id: string }) {
  const api = useApi();
  const meta = useQuery({
    queryKey: ["file", id],
    queryFn: async () => unwrap(await api.GET("/api/v1/files/{object_id}", { params: { path: { object_id: id } } })),
  });
  const name = meta.data?.file_name || id;
  const download = async () => {
    const reply = await api.GET("/api/v1/files/{object_id}/content", { params: { path: { object_id: id } },
      parseAs: "blob" });
    if (!reply.data) return;
    const url = URL.createObjectURL(reply.data as Blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <Button type="link" style={{ padding: 0 }} onClick={() => void download()} aria-label={t.downloadResult(name)}>
      {name}
    </Button>
  );
}

/** The files of a case's result (the lead's báo cáo kết quả), each a download link; nothing when there is none. */
export function ResultFileLinks({ ids }: { ids: string[] }) {
  if (!ids.length) return null;
  return (
    <Space direction="vertical" size={0} data-testid="result-files">
      {ids.map((id) => <ResultFileLink key={id} id={id} />)}
    </Space>
  );
}
