import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Avatar, Button, Drawer, Grid, Layout, Menu, Space, type MenuProps } from "antd";
import { useState } from "react";
import { Link, Outlet, useLocation } from "react-router-dom";
import { unwrap } from "../api/client";
import { useApi } from "../api/ApiProvider";
import { useAuth } from "../auth/AuthProvider";
import { useIncomingWork } from "../features/incoming/workQueries";
import { NotificationBell } from "../features/notifications/NotificationBell";
import { useWaitingToIssue, useWaitingToSign } from "../features/outgoing/waiting";
import { useDepositsWaiting } from "../features/records/DepositsWaiting";
import type { Role } from "../auth/claims";
import { common } from "./messages";

interface Entry {
  key: string;
  label: string;
  roles: Role[] | "all";
  /** The count's test id when the key is not a plain path. */
  id?: string;
}

/** Chờ ký: the Văn bản đi list's tab of the documents waiting for the signed-in person's signature. */
const TO_SIGN = "/van-ban-di?tab=submitted";

/** The menu people know (ux.md), by role; only what exists today is listed (more screens come with issue 14). */
const ENTRIES: Entry[] = [
  { key: "/", label: common.menu.home, roles: "all" },
  { key: "/van-ban-den", label: common.menu.incoming, roles: ["clerk", "leader", "head", "officer"] },
  { key: "/van-ban-di", label: common.menu.outgoing, roles: ["clerk", "leader", "head", "officer"] },
  // those who sign (policy.py SIGNERS: leader, head) see what waits for their signature, as Công việc (1)
  { key: TO_SIGN, label: common.menu.toSign, roles: ["leader", "head"], id: "cho-ky" },
  { key: "/cong-viec", label: common.menu.work, roles: ["clerk", "leader", "head", "officer"] },
  { key: "/giao-viec", label: common.menu.jobs, roles: ["leader", "head", "officer"] },
  { key: "/thong-ke", label: common.menu.reports, roles: ["leader", "head"] },
  // issue 12: the exchange statistics (the server's GetExchangeStatistics: clerk, leader, admin)
  { key: "/thong-ke-lien-thong", label: common.menu.exchange, roles: ["clerk", "leader", "admin"] },
  { key: "/ky-so", label: common.menu.signing, roles: ["leader", "head"] },
  { key: "/ho-so", label: common.menu.records, roles: ["clerk", "leader", "head", "officer", "archivist"] },
  { key: "/tra-cuu", label: common.menu.search, roles: "all" },
  { key: "/so-van-ban", label: common.menu.registers, roles: ["clerk", "leader", "archivist", "admin"] },
  { key: "/quan-tri", label: common.menu.admin, roles: ["admin"] },
];

/**
 * The number a menu entry shows beside it ("Văn bản đến (12)", ux.md): for the clerk the arrivals waiting to be
 * registered, for anyone else their incoming documents still to handle; for the clerk's Văn bản đi the documents
 * waiting to be issued (chờ phát hành); for Công việc every task still to do; for the archivist's Hồ sơ the files
 * waiting for deposit (nộp lưu); for a signer's Chờ ký the documents waiting for their signature (their open sign
 * tasks, the Văn bản đi list's Chờ ký count). Undefined while unknown (nothing shown). The same queries as the
 * pages', so opening a page costs nothing more.
 */
function useMenuCounts(roles: Role[]): Record<string, number | string | undefined> {
  const clerk = roles.includes("clerk");
  const works = roles.some((r) => ["clerk", "leader", "head", "officer"].includes(r));
  const api = useApi();
  // the Văn bản đến list's own query, key and pages alike (useIncoming("arrived") with no filter): the clerk's
  // first screen asks the gateway for the arrivals once, not once for the count and again for the list
  const arrivals = useInfiniteQuery({
    queryKey: ["documents", "incoming", "arrived", {}], enabled: clerk,
    initialPageParam: "",
    queryFn: async ({ pageParam }) => unwrap(await api.GET("/api/v1/documents", { params: { query: {
      direction: "incoming", status: "arrived", page_size: 50, ...(pageParam ? { page_token: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_page_token || undefined,
  });
  const incoming = useIncomingWork("todo", works && !clerk);
  const todo = useQuery({
    queryKey: ["inbox", "todo"], enabled: works,
    queryFn: async () => unwrap(await api.GET("/api/v1/workflow/inbox", { params: { query: { bucket: "todo", page_size: 50 } } })),
  });
  const toIssue = useWaitingToIssue(clerk);
  const toSign = useWaitingToSign(roles.some((r) => r === "leader" || r === "head"));
  const deposits = useDepositsWaiting(roles.includes("archivist"));
  return {
    "/van-ban-den": clerk ? arrivals.data?.pages[0]?.items.length : incoming.data?.counts.todo,
    "/van-ban-di": toIssue.count ? `${toIssue.count}${toIssue.more ? "+" : ""}` : undefined,
    "/cong-viec": todo.data?.counts.todo,
    [TO_SIGN]: toSign.count,
    "/ho-so": deposits.count ? deposits.shown : undefined,
  };
}

export function menuFor(roles: Role[]): Entry[] {
  return ENTRIES.filter((e) => e.roles === "all" || e.roles.some((r) => roles.includes(r)));
}

export function AppLayout() {
  const { person, signOut } = useAuth();
  const screens = Grid.useBreakpoint();
  const location = useLocation();
  const [open, setOpen] = useState(false);
  const roles = person?.roles ?? [];
  const toSignOpen = location.pathname === "/van-ban-di" && new URLSearchParams(location.search).get("tab") === "submitted"
    && menuFor(roles).some((e) => e.key === TO_SIGN);
  const selected = toSignOpen ? [TO_SIGN]
    : ENTRIES.filter((e) => e.key !== "/" && location.pathname.startsWith(e.key)).map((e) => e.key);
  const counts = useMenuCounts(roles);
  const items: MenuProps["items"] = menuFor(roles).map((e) => ({
    key: e.key,
    label: (
      <>
        <Link to={e.key} onClick={() => setOpen(false)}>{e.label}</Link>
        {!!counts[e.key] && <span data-testid={`menu-count-${e.id ?? e.key.slice(1).replace(/\//g, "-")}`}> ({counts[e.key]})</span>}
      </>
    ),
  }));
  const menu = (
    <Menu mode="inline" selectedKeys={selected.length ? selected : [location.pathname]} items={items} />
  );
  const wide = screens.md ?? false;
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Header
        style={{ display: "flex", alignItems: "center", gap: wide ? 12 : 8, padding: wide ? "0 16px" : "0 8px",
          background: "#0958d9" }}
      >
        {!wide && (
          <Button aria-label="Mở danh mục" onClick={() => setOpen(true)}>
            ☰
          </Button>
        )}
        <Link to="/" style={{ color: "#fff", fontWeight: 600, fontSize: 18, whiteSpace: "nowrap" }}>
          {common.appName}
        </Link>
        <span style={{ flex: 1 }} />
        <Space size={wide ? "small" : 4}>
          <NotificationBell />
          {wide && <Avatar style={{ background: "#003eb3" }} aria-hidden>{person?.name.slice(0, 1)}</Avatar>}
          {/* the whole name: on one line on wide screens; on phones on up to two short lines (it was cut to a few
              letters), the sign-out button moving into the menu's drawer to make room within 360 px */}
          <Link to="/ca-nhan" data-testid="user-name" title={common.profile} style={{ color: "#fff",
            display: "inline-block", maxWidth: wide ? 280 : 130, overflow: "hidden", textOverflow: "ellipsis",
            whiteSpace: wide ? "nowrap" : "normal", lineHeight: wide ? undefined : 1.25, fontSize: wide ? undefined : 13,
            maxHeight: wide ? undefined : "2.5em", verticalAlign: "middle", textDecoration: "underline" }}>
            {person?.name}
          </Link>
          {wide && <Button onClick={() => void signOut()}>{common.signOut}</Button>}
        </Space>
      </Layout.Header>
      <Layout style={{ minWidth: 0 }}>
        {wide ? (
          <Layout.Sider width={220} theme="light" aria-label="Danh mục chính">
            <nav aria-label="Danh mục chính">{menu}</nav>
          </Layout.Sider>
        ) : (
          <Drawer open={open} onClose={() => setOpen(false)} placement="left" width={260} title={common.appTitle}
            footer={<Button block onClick={() => void signOut()}>{common.signOut}</Button>}>
            <nav aria-label="Danh mục chính">{menu}</nav>
          </Drawer>
        )}
        {/* minWidth 0: the content never grows to a wide table's width (its own scroll takes the overflow), which
            clipped Văn bản đi at Nơi nhận on a phone */}
        <Layout.Content style={{ padding: wide ? 24 : 12, minWidth: 0 }} data-testid="content">
          <main>
            <Outlet />
          </main>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
