import { useInfiniteQuery } from "@tanstack/react-query";
import { Alert, Button, Grid, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { DATE_CELL, formatDate } from "../../components/dates";
import { common } from "../../components/messages";
import { out } from "./messages";
import { useAuth } from "../../auth/AuthProvider";
import { useWaitingToIssue, useWaitingToSign } from "./waiting";
import { ListFilterBar } from "../documents/ListFilterBar";
import { filterText } from "../documents/filterMessages";
import { apiFilters, filtersFromParams, type ListFilters } from "../documents/listFilters";
import { ListTabs } from "../../components/ListTabs";

type Tab = "draft" | "submitted" | "signed" | "issued";
const TABS: Tab[] = ["draft", "submitted", "signed", "issued"];

const PAGE = 50;

/** A tab's documents with the list's filters (by the document's date), a page at a time with the same filters. */
function useOutgoing(status: Tab, filters: ListFilters) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: ["documents", "outgoing", status, filters],
    initialPageParam: "",
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/v1/documents", { params: { query: {
        direction: "outgoing", status, page_size: PAGE, ...apiFilters(filters),
        ...(pageParam ? { page_token: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
}

function columns(tab: Tab): TableColumnsType<Document> {
  const list: TableColumnsType<Document> = [
    {
      title: out.list.columns.abstract,
      dataIndex: "abstract",
      key: "abstract",
      render: (value: string, doc) => (
        <>
          {doc.urgency !== "normal" && <Tag color="#ad2102">{common.urgency[doc.urgency]}</Tag>}
          <Link to={`/van-ban/${doc.id}`}>{value}</Link>
        </>
      ),
    },
    {
      title: out.list.columns.recipients,
      key: "recipients",
      width: 220,
      render: (_, doc) => doc.recipients.map((r) => r.name || r.agency_code).join("; "),
    },
    {
      title: out.list.columns.signer,
      key: "signer",
      width: 160,
      render: (_, doc) => [doc.signer.competence, doc.signer.title, doc.signer.name].filter(Boolean).join(" "),
    },
    {
      title: out.list.columns.date,
      key: "date",
      width: 110,
      className: DATE_CELL,
      render: (_, doc) => formatDate(tab === "issued" ? doc.document_date || doc.numbered_at : doc.updated_at || doc.created_at),
    },
  ];
  if (tab === "issued") {
    list.unshift({ title: out.list.columns.numberSymbol, dataIndex: "number_symbol", key: "number_symbol", width: 140,
      render: (value: string, doc) => <Link to={`/van-ban/${doc.id}`}>{value || "—"}</Link> });
  }
  return list;
}

function TabTable({ tab, filters }: { tab: Tab; filters: ListFilters }) {
  const query = useOutgoing(tab, filters);
  if (query.isError) {
    return (
      <Alert type="error" showIcon message={common.error} description={query.error.message}
        action={<Button onClick={() => void query.refetch()}>{common.retry}</Button>} />
    );
  }
  return (
    <>
      <Table<Document> rowKey="id" size="middle" loading={query.isLoading} columns={columns(tab)}
        dataSource={query.data?.pages.flatMap((page) => page.items) ?? []} pagination={false} scroll={{ x: 760 }}
        locale={{ emptyText: <span style={{ color: "#595959" }}>{out.list.empty[tab]}</span> }}
        aria-label={out.list.tabs[tab]} />
      {query.hasNextPage && (
        <Button style={{ marginTop: 8 }} loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          {filterText.more}
        </Button>
      )}
    </>
  );
}

/** Văn bản đi: drafts, waiting for signature, signed (waiting to be issued), issued; "Soạn dự thảo". */
export function OutgoingList() {
  const [params, setParams] = useSearchParams();
  const navigate = useNavigate();
  const roles = useAuth().person?.roles ?? [];
  // the count beside "Đã ký, chờ phát hành" is of every document waiting, whatever the filters; beside "Chờ ký",
  // of those waiting for the signed-in person's signature
  const toIssue = useWaitingToIssue(true);
  const toSign = useWaitingToSign(roles.some((r) => ["clerk", "leader", "head", "officer"].includes(r)));
  // a leader drafts nothing: they (and anyone with documents waiting for their signature) land on Chờ ký
  const landing: Tab = roles.includes("leader") || !!toSign.count ? "submitted" : "draft";
  const active = (TABS as string[]).includes(params.get("tab") ?? "") ? (params.get("tab") as Tab) : landing;
  const filters = filtersFromParams(params);
  // on a phone the four tabs share one line: "Đã ký, chờ phát hành" is "Chờ phát hành" there
  const wide = Grid.useBreakpoint().md ?? false;
  const name = (tab: Tab) => (wide ? undefined : out.list.phoneTabs[tab]) ?? out.list.tabs[tab];
  const counted = (tab: Tab, count: string) =>
    <>{name(tab)} <span data-testid={`tab-count-${tab}`}>({count})</span></>;
  const label = (tab: Tab) => {
    if (tab === "signed" && toIssue.count) return counted(tab, `${toIssue.count}${toIssue.more ? "+" : ""}`);
    if (tab === "submitted" && toSign.count) return counted(tab, String(toSign.count));
    return name(tab);
  };
  return (
    <>
      <Space wrap style={{ width: "100%", justifyContent: "space-between", marginBottom: 8 }}>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>{out.list.title}</Typography.Title>
        <Button type="primary" onClick={() => navigate("/van-ban-di/soan")}>{out.list.compose}</Button>
      </Space>
      <ListFilterBar list="outgoing" status={active} />
      <ListTabs activeKey={active}
        // the tab changes, the filters stay
        onChange={(key) => setParams((current) => { const next = new URLSearchParams(current); next.set("tab", key); return next; })}
        items={TABS.map((tab) => ({ key: tab, label: label(tab),
          children: <TabTable tab={tab} filters={filters} /> }))} />
    </>
  );
}
