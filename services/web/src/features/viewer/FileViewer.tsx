import { useQuery } from "@tanstack/react-query";
import { Alert, Spin } from "antd";
import { useApi } from "../../api/ApiProvider";
import { common } from "../../components/messages";
import { viewer } from "./messages";
import { PdfViewer, type Mark } from "./PdfViewer";

/** Whether the viewer shows a file: a PDF by its content type, or by its name when the type is not known. */
export function isPdf(file: { file_name: string; content_type?: string }): boolean {
  return file.content_type ? file.content_type === "application/pdf" : /\.pdf$/i.test(file.file_name);
}

/** A stored file of the agency (``objectId``) shown in the PDF viewer; its bytes fetched once (cached by id);
 * ``mark``: an image drawn over a page (the signature's preview); ``onReady``: the page (with the mark) is drawn. */
export function FileViewer({ objectId, name, mark, onReady }: { objectId: string; name: string; mark?: Mark;
  onReady?: () => void }) {
  const api = useApi();
  const content = useQuery({
    queryKey: ["file-content", objectId],
    queryFn: async () => {
      const reply = await api.GET("/api/v1/files/{object_id}/content", {
        params: { path: { object_id: objectId } }, parseAs: "arrayBuffer",
      });
      if (!reply.data) throw new Error(viewer.failed);
      return reply.data as ArrayBuffer;
    },
    staleTime: Infinity,
    gcTime: 120_000,
  });
  if (content.isLoading) return <Spin tip={viewer.loading}><div style={{ minHeight: 120 }} /></Spin>;
  if (content.isError || !content.data) {
    return <Alert type="warning" showIcon message={common.error} description={viewer.failed} />;
  }
  return <PdfViewer data={content.data} name={name} mark={mark} onReady={onReady} />;
}
