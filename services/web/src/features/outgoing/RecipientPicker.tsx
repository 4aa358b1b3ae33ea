import { useQuery } from "@tanstack/react-query";
import { Spin, TreeSelect } from "antd";
import { useEffect, useState, type KeyboardEvent, type ReactNode } from "react";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { useApi } from "../../api/ApiProvider";
import { vietnamToday } from "../work/deadline";
import { out } from "./messages";

export type Recipient = components["schemas"]["Recipient"];
type Agency = components["schemas"]["AgencyOut"];

/** How long the person must stop typing before a search of the other screens' lists is sent (ms). */
export const SEARCH_DELAY_MS = 300;
/**
 * The picker's pause (ms): issue 14 wants matches within 300 ms of the last keystroke, which a 300 ms pause alone
 * would spend. A search sent while the person is still typing is cancelled by the next one (its request aborted
 * through TanStack Query's signal), so fast typing sends one search and slow typing does not queue stale ones.
 */
export const PICKER_DELAY_MS = 100;
/** Matches shown for a search; the person types more words to narrow. */
const SEARCH_PAGE = 30;
/** Children loaded when a branch opens (a province's bodies, a body's units). */
const BRANCH_PAGE = 500;

interface Node {
  id: string;
  pId?: string;
  value: string;
  title: string;
  isLeaf: boolean;
  className?: string;
}

/** The popup's class, and the first match's (highlighted by base.css while no arrow key chose another). */
const POPUP = "recipient-picker-popup";
const FIRST = "recipient-picker-first";

/** ``value`` once the person has stopped changing it for ``delay`` ms. */
export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}

function node(agency: Agency, flat: boolean): Node {
  return { id: agency.code, pId: flat ? undefined : agency.parent_code ?? undefined, value: agency.code,
    title: agency.name, isLeaf: flat || agency.level >= 4 };
}

/**
 * Nơi nhận: agencies of the directory (about 111,000 nationally), never loaded whole. Opened, it shows the top-level
 * agencies (provinces, ministries) and loads a branch's children when opened; typing searches the server
 * (``GET /api/v1/agencies?q=``, words of the name with or without diacritics, or the code or a part of it:
 * 000.00.01.H62, 01.H62) once the typing pauses (:data:`PICKER_DELAY_MS`; a search the next keystrokes make stale
 * is cancelled), and shows the matches — or says none was found. The first match is
 * highlighted and Enter picks it, as the paper arrival's sender picker does; an arrow key highlights another, which
 * Enter then picks (antd's own keyboard).
 * A Form control: ``value`` / ``onChange`` are the draft's recipients ({agency_code, name}).
 */
export function RecipientPicker({ value, onChange, id }: {
  value?: Recipient[];
  onChange?: (value: Recipient[]) => void;
  id?: string;
}) {
  const api = useApi();
  const [text, setText] = useState("");
  const [open, setOpen] = useState(false);
  const [branches, setBranches] = useState<Node[]>([]);
  const search = useDebounced(text.trim(), PICKER_DELAY_MS);
  const today = vietnamToday();
  const roots = useQuery({
    queryKey: ["agencies", "roots", today],
    queryFn: async () => unwrap(await api.GET("/api/v1/agencies",
      { params: { query: { level: 1, active_at: today, page_size: 100 } } })),
    enabled: open,
    staleTime: 3_600_000,
  });
  const found = useQuery({
    queryKey: ["agencies", "search", search, today],
    queryFn: async ({ signal }) => unwrap(await api.GET("/api/v1/agencies",
      { params: { query: { q: search, active_at: today, page_size: SEARCH_PAGE } }, signal })),
    enabled: search.length >= 2,
    staleTime: 300_000,
  });
  const searching = text.trim().length > 0;
  const treeData: Node[] = searching
    ? (search === text.trim() ? (found.data?.items ?? []) : []).map((a, i) => ({ ...node(a, true),
      className: i === 0 ? FIRST : undefined }))
    : [...(roots.data?.items ?? []).map((a) => ({ ...node(a, false), pId: undefined })), ...branches];
  const loading = searching ? found.isFetching || search !== text.trim() : roots.isLoading;
  const loadBranch = async (parent: string) => {
    const page = unwrap(await api.GET("/api/v1/agencies",
      { params: { query: { parent_code: parent, active_at: today, page_size: BRANCH_PAGE } } }));
    setBranches((known) => {
      const have = new Set(known.map((n) => n.id));
      return [...known, ...page.items.filter((a) => !have.has(a.code)).map((a) => node(a, false))];
    });
  };
  // Enter on the matches with none chosen by the arrow keys (antd's tree highlights none of them then): the first
  const pickFirst = (event: KeyboardEvent) => {
    if (event.key !== "Enter" || !searching || loading || !treeData.length) return;
    if (document.querySelector(`.${POPUP} .ant-select-tree-treenode-active`)) return;
    event.preventDefault();
    event.stopPropagation();
    const first = treeData[0]!;
    const chosen = value ?? [];
    if (!chosen.some((r) => r.agency_code === first.value)) {
      onChange?.([...chosen, { agency_code: first.value, name: first.title }]);
    }
    setText("");
  };
  return (
    <div onKeyDownCapture={pickFirst}>
    <TreeSelect
      id={id}
      multiple
      labelInValue
      showSearch
      treeDataSimpleMode
      treeData={treeData}
      loadData={searching ? undefined : async ({ value: code }) => loadBranch(String(code))}
      filterTreeNode={false}
      searchValue={text}
      onSearch={setText}
      onOpenChange={setOpen}
      value={(value ?? []).map((r) => ({ value: r.agency_code, label: r.name || r.agency_code }))}
      onChange={(picked: { value: string; label?: ReactNode }[]) => {
        const names = new Map(treeData.map((n) => [n.value, n.title]));
        // the search text is ours (controlled), so antd's autoClearSearchValue cannot clear it: a picked agency
        // clears it here, and the next name typed is a search of its own ("Nội vụ", then "Long Châu")
        setText("");
        onChange?.(picked.map((p) => ({ agency_code: p.value,
          name: names.get(p.value) ?? (typeof p.label === "string" ? p.label : p.value) })));
      }}
      placeholder={out.form.searchRecipients}
      notFoundContent={loading ? <Spin size="small" /> : searching && search.length < 2 ? null
        : <span role="status" style={{ color: "#595959" }}>{out.form.noAgency}</span>}
      treeNodeFilterProp="title"
      style={{ width: "100%" }}
      popupMatchSelectWidth
      classNames={{ popup: { root: POPUP } }}
      maxTagCount="responsive"
    />
    </div>
  );
}
