import { useInfiniteQuery, useQueries, useQuery } from "@tanstack/react-query";
import { Alert, Button, Empty, Input, List, Segmented, Space, Tag, Typography } from "antd";
import { Fragment } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { unwrap, type SearchHighlight, type SearchHit, type SearchResult } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { formatDate } from "../../components/dates";
import { common } from "../../components/messages";
import { messages } from "./messages";

/** The filters a facet sets, by the facet's name, and the query parameter of the gateway each one fills. */
const FILTERS = { type_code: "type", year: "year", issuing_agency_code: "issuing_agency", direction: "direction", status: "status" } as const;
type FacetName = keyof typeof FILTERS;

/** A highlight's text with its matched words in <mark>. */
export function Marked({ highlight }: { highlight: SearchHighlight }) {
  const parts: JSX.Element[] = [];
  let at = 0;
  const chars = Array.from(highlight.text); // spans count code points
  highlight.spans.forEach((span, i) => {
    parts.push(<Fragment key={`t${i}`}>{chars.slice(at, span.start).join("")}</Fragment>);
    parts.push(<mark key={`m${i}`}>{chars.slice(span.start, span.end).join("")}</mark>);
    at = span.end;
  });
  parts.push(<Fragment key="rest">{chars.slice(at).join("")}</Fragment>);
  return <>{parts}</>;
}

/** The names a facet's values stand for: document types' and agencies' codes → names. */
export interface FacetNames {
  types: Map<string, string>;
  agencies: Map<string, string>;
}

/** A facet value in words: a type's name, an agency's name, a direction or a state in Vietnamese; the raw value
 *  only while the names load or when nothing names it. */
export function facetLabel(name: FacetName, value: string, names?: FacetNames): string {
  if (name === "direction") return messages.direction[value] ?? value;
  if (name === "status") return common.status[value] ?? value;
  if (name === "type_code") return names?.types.get(value) ?? value;
  if (name === "issuing_agency_code") return names?.agencies.get(value) ?? value;
  return value;
}

/** The names of the types (the agency's list, kept) and of the issuing agencies the facets show: from the hits
 *  when they carry it, else one directory look-up per code (a facet shows a few). */
function useFacetNames(result: SearchResult | undefined, hits: SearchHit[]): FacetNames {
  const api = useApi();
  const types = useQuery({ queryKey: ["document-types"], enabled: !!result, staleTime: 300_000,
    queryFn: async () => unwrap(await api.GET("/api/v1/document-types")) });
  const agencies = new Map(hits.filter((h) => h.issuing_agency_code && h.issuing_agency_name)
    .map((h) => [h.issuing_agency_code, h.issuing_agency_name]));
  const missing = (result?.facets.issuing_agency_code ?? []).map((v) => v.value).filter((c) => c && !agencies.has(c));
  const looked = useQueries({ queries: missing.map((code) => ({
    queryKey: ["agency", code], staleTime: 300_000, retry: false,
    queryFn: async () => unwrap(await api.GET("/api/v1/agencies/{code}", { params: { path: { code } } })),
  })) });
  looked.forEach((q) => { if (q.data) agencies.set(q.data.code, q.data.name); });
  return { types: new Map((types.data ?? []).map((t) => [t.code, t.name])), agencies };
}

function Hit({ hit }: { hit: SearchHit }) {
  const abstract = hit.highlights.find((h) => h.field === "abstract");
  const content = hit.highlights.find((h) => h.field === "content");
  return (
    <List.Item>
      <List.Item.Meta
        title={
          <Link to={`/van-ban/${hit.document_id}`}>
            {hit.number_symbol ? `${hit.number_symbol} — ` : ""}
            {abstract ? <Marked highlight={abstract} /> : hit.abstract}
          </Link>
        }
        description={
          <Space direction="vertical" size={2}>
            <span>
              {messages.direction[hit.direction] ?? hit.direction}
              {hit.issuing_agency_name ? ` · ${hit.issuing_agency_name}` : ""}
              {hit.document_date ? ` · ${formatDate(hit.document_date)}` : ""}
              {" · "}
              {common.status[hit.status] ?? hit.status}
            </span>
            {content && (
              <span>
                {messages.fields.content}: …<Marked highlight={content} />…
              </span>
            )}
          </Space>
        }
      />
    </List.Item>
  );
}

/** Tra cứu: the documents of the person's agency they may open, by words with or without diacritics, phrases,
 *  numbers and symbols; facets narrow the search; results page with "Xem thêm". The state lives in the address. */
export function SearchPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const sort = params.get("sort") === "date" ? "date" : "relevance";
  const filters = Object.fromEntries(
    Object.values(FILTERS).filter((key) => params.get(key)).map((key) => [key, params.get(key) as string]),
  );
  const active = q.trim() !== "" || Object.keys(filters).length > 0;
  const query = useInfiniteQuery({
    queryKey: ["search", q, sort, filters],
    enabled: active,
    initialPageParam: "",
    getNextPageParam: (last: SearchResult) => last.next_cursor ?? undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(await api.GET("/api/v1/search", {
        params: { query: { q, sort, ...filters, ...(filters.year ? { year: Number(filters.year) } : {}),
          ...(pageParam ? { cursor: pageParam } : {}) } },
      })),
  });
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next);
  };
  const first = query.data?.pages[0];
  const hits = query.data?.pages.flatMap((p) => p.hits) ?? [];
  const names = useFacetNames(first, hits);
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>{messages.title}</Typography.Title>
      <Input.Search
        aria-label={messages.title}
        defaultValue={q}
        placeholder={messages.placeholder}
        enterButton={messages.search}
        maxLength={500}
        allowClear
        onSearch={(value) => update({ q: value.trim() || null })}
      />
      {active && (
        <Space wrap style={{ margin: "12px 0" }}>
          <Segmented
            options={(["relevance", "date"] as const).map((value) => ({ value, label: messages.sort[value] }))}
            value={sort}
            onChange={(value) => update({ sort: value === "date" ? "date" : null })}
          />
          {Object.keys(filters).length > 0 && (
            <Button onClick={() => update(Object.fromEntries(Object.values(FILTERS).map((k) => [k, null])))}>
              {messages.clear}
            </Button>
          )}
        </Space>
      )}
      {query.isError && (
        <Alert type="error" showIcon message={common.error} description={query.error.message}
          action={<Button onClick={() => void query.refetch()}>{common.retry}</Button>} />
      )}
      {!active && <Typography.Paragraph type="secondary">{messages.hint}</Typography.Paragraph>}
      {first && (
        <>
          <Space direction="vertical" size={4} style={{ marginBottom: 8 }}>
            <Typography.Text strong>{messages.found(first.total)}</Typography.Text>
            {(Object.keys(FILTERS) as FacetName[]).map((name) => {
              const values = first.facets[name] ?? [];
              if (values.length === 0) return null;
              const param = FILTERS[name];
              return (
                <div key={name} role="group" aria-label={messages.facets[name]}>
                  <Typography.Text type="secondary">{messages.facets[name]}: </Typography.Text>
                  {values.map((v) => (
                    <Tag.CheckableTag key={v.value} checked={filters[param] === v.value}
                      onChange={(on) => update({ [param]: on ? v.value : null })}>
                      {facetLabel(name, v.value, names)} ({v.count})
                    </Tag.CheckableTag>
                  ))}
                </div>
              );
            })}
          </Space>
          <List<SearchHit>
            dataSource={hits}
            rowKey="document_id"
            locale={{ emptyText: <Empty description={messages.nothing} /> }}
            renderItem={(hit) => <Hit hit={hit} />}
          />
          {query.hasNextPage && (
            <Button loading={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>{messages.more}</Button>
          )}
        </>
      )}
    </>
  );
}
