import { useInfiniteQuery } from "@tanstack/react-query";
import { Alert, Badge, Button, Grid, Space, Table, Tag, Typography, type TableColumnsType } from "antd";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { unwrap, type Document } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { DATE_CELL, formatDate } from "../../components/dates";
import { common } from "../../components/messages";
import { useHasRole } from "../../components/roles";
import { messages } from "./messages";
import { paper } from "./paperMessages";
import { SignatureSigners, SignatureTag } from "./SignatureTag";
import { RevocationsWaiting } from "../home/RevocationsWaiting";
import { WorkTabLabel, WorkTable } from "./IncomingWork";
import { WORK_TABS, type WorkTab } from "./workQueries";
import { bookNumber } from "../../components/numbers";
import { ListFilterBar } from "../documents/ListFilterBar";
import { filterText } from "../documents/filterMessages";
import { apiFilters, filtersFromParams, withoutDocumentOnly, type ListFilters } from "../documents/listFilters";
import { ListTabs } from "../../components/ListTabs";

type Tab = "arrived" | "registered" | "rejected";
const TABS: Tab[] = ["arrived", "registered", "rejected"];

const PAGE = 50;

/**
 * A tab's arrivals with the list's filters (their dates are arrival dates: Ngày đến, as the register book's period),
 * a page at a time: the next page carries the same filters.
 */
export function useIncoming(status: Tab, filters: ListFilters = {}) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: ["documents", "incoming", status, filters],
    initialPageParam: "",
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/v1/documents", { params: { query: {
        direction: "incoming", status, page_size: PAGE, ...apiFilters(filters),
        ...(filters.date_from || filters.date_to ? { date_field: "arrival" as const } : {}),
        ...(pageParam ? { page_token: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
}

function columns(tab: Tab): TableColumnsType<Document> {
  const list: TableColumnsType<Document> = [
    {
      title: messages.columns.numberSymbol,
      dataIndex: "number_symbol",
      key: "number_symbol",
      width: 130,
      render: (value: string, doc) => <Link to={`/van-ban/${doc.id}`}>{value || "—"}</Link>,
    },
    { title: messages.columns.issuer, dataIndex: "issuing_agency_name", key: "issuer", width: 200 },
    {
      title: messages.columns.abstract,
      dataIndex: "abstract",
      key: "abstract",
      render: (value: string, doc) => (
        <>
          {doc.urgency !== "normal" && <Tag color="#ad2102">{common.urgency[doc.urgency]}</Tag>}
          <Link to={`/van-ban/${doc.id}`}>{value}</Link>
        </>
      ),
    },
    { title: messages.columns.documentDate, dataIndex: "document_date", key: "document_date", width: 120, className: DATE_CELL, render: formatDate },
    { title: messages.columns.arrivedAt, dataIndex: "arrived_at", key: "arrived_at", width: 120, className: DATE_CELL, render: formatDate },
    {
      title: messages.columns.signature,
      dataIndex: "signature_check",
      key: "signature",
      width: 220,
      render: (value: string, doc) => (
        <>
          <SignatureTag check={value} note={doc.signature_note} />
          <SignatureSigners signers={doc.signature_signers} />
        </>
      ),
    },
  ];
  if (tab === "registered") {
    list.splice(0, 0, { title: messages.columns.arrivalNumber, dataIndex: "number", key: "number", width: 90,
      render: bookNumber });
  }
  return list;
}

function TabTable({ tab, filters }: { tab: Tab; filters: ListFilters }) {
  const query = useIncoming(tab, filters);
  if (query.isError) {
    return (
      <Alert type="error" showIcon message={common.error} description={query.error.message}
        action={<Button onClick={() => void query.refetch()}>{common.retry}</Button>} />
    );
  }
  return (
    <>
      <Table<Document>
        rowKey="id"
        size="middle"
        loading={query.isLoading}
        columns={columns(tab)}
        dataSource={query.data?.pages.flatMap((page) => page.items) ?? []}
        pagination={false}
        scroll={{ x: 970 }}
        locale={{ emptyText: <span style={{ color: "#595959" }}>{messages.empty[tab]}</span> }}
        aria-label={messages.tabs[tab]}
      />
      {query.hasNextPage && (
        <Button style={{ marginTop: 8 }} loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          {filterText.more}
        </Button>
      )}
    </>
  );
}

/**
 * Văn bản đến. The clerk's: arrivals waiting to be registered (with their signature report), registered and returned
 * ones. Anyone else's (leader, head, officer): their own work on arrivals — chờ xử lý, để biết, đã xử lý (ux.md's
 * menu) — then the registered arrivals the registry shows them.
 */
export function IncomingList() {
  const clerk = useHasRole("clerk");
  return clerk ? <ClerkIncoming /> : <PersonIncoming />;
}

type PersonTab = WorkTab | "registered";
const PERSON_TABS: PersonTab[] = [...WORK_TABS, "registered"];

/**
 * A leader's, head's or officer's Văn bản đến: their tasks on arrivals (chờ xử lý, để biết, đã xử lý) and the
 * registered arrivals they may read, under one filter bar whose filters the URL keeps across the tabs (a list of
 * tasks takes no register: moving to one drops it).
 */
function PersonIncoming() {
  const [params, setParams] = useSearchParams();
  const active = (PERSON_TABS as string[]).includes(params.get("tab") ?? "") ? (params.get("tab") as PersonTab) : "todo";
  const filters = filtersFromParams(params);
  const tasks = active !== "registered";
  const wide = Grid.useBreakpoint().md ?? false;
  const change = (key: string) => setParams((current) => {
    const next = key === "registered" ? new URLSearchParams(current) : withoutDocumentOnly(current);
    next.set("tab", key);
    return next;
  });
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22, margin: "0 0 8px" }}>{messages.title}</Typography.Title>
      <ListFilterBar key={tasks ? "tasks" : "documents"} list="incoming" status="registered" tasks={tasks} />
      <ListTabs activeKey={active} onChange={change}
        items={PERSON_TABS.map((tab) => tab === "registered"
          ? { key: tab, label: wide ? messages.work.all : messages.work.allShort,
            children: <TabTable tab="registered" filters={filters} /> }
          : { key: tab, label: <WorkTabLabel tab={tab} filters={filters} />,
            children: <WorkTable tab={tab} filters={filters} /> })} />
    </>
  );
}

function ClerkIncoming() {
  const [params, setParams] = useSearchParams();
  const active = (TABS as string[]).includes(params.get("tab") ?? "") ? (params.get("tab") as Tab) : "arrived";
  const filters = filtersFromParams(params);
  const waiting = useIncoming("arrived", filters);
  const navigate = useNavigate();
  const shown = waiting.data?.pages.reduce((sum, page) => sum + page.items.length, 0);
  // none beside Chờ vào sổ when nothing waits (a "0" badge read as something to do, trial 17)
  const count = shown ? `${shown}${waiting.hasNextPage ? "+" : ""}` : "";
  return (
    <>
      <Space wrap style={{ width: "100%", justifyContent: "space-between", marginBottom: 8 }}>
        <Typography.Title level={1} style={{ fontSize: 22, margin: 0 }}>
          {messages.title}
        </Typography.Title>
        <Button onClick={() => navigate("/van-ban-den/nhap-ban-giay")}>{paper.open}</Button>
      </Space>
      <RevocationsWaiting />
      <ListFilterBar list="incoming" status={active} />
      <ListTabs
        activeKey={active}
        // the tab changes, the filters stay
        onChange={(key) => setParams((current) => { const next = new URLSearchParams(current); next.set("tab", key); return next; })}
        items={TABS.map((tab) => ({
          key: tab,
          label:
            tab === "arrived" && count ? (
              <span>
                {messages.tabs[tab]} <Badge count={count} color="#0958d9" overflowCount={999} />
              </span>
            ) : (
              messages.tabs[tab]
            ),
          children: <TabTable tab={tab} filters={filters} />,
        }))}
      />
    </>
  );
}
