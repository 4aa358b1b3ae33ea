import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Badge, Button, Drawer, Grid, List, Popover, Space, Typography } from "antd";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { useApi } from "../../api/ApiProvider";
import { unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { formatDateTime } from "../../components/dates";
import { notify } from "./messages";
import { useNotificationStream } from "./stream";

type Notification = components["schemas"]["NotificationOut"];

/** A bell drawn inline (no icon font, no emoji: government machines may have neither). */
function BellIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" fill="currentColor" aria-hidden="true" focusable="false">
      <path d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6v-5a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z" />
    </svg>
  );
}

/** How many of the latest notifications the bell lists. */
const SHOWN = 10;

/**
 * Where a notification leads: its document's page; about a job (giao việc, no document) the job's page; about
 * neither (a file plan submitted, approved or returned) the app's own path the server gave (``/ho-so?nam=2027``).
 */
export function notificationPath(n: Pick<Notification, "document_id" | "case_id"> & { link?: string }): string {
  if (n.document_id) return `/van-ban/${n.document_id}`;
  if (n.case_id) return `/giao-viec/${n.case_id}`;
  return inAppPath(n.link);
}

/**
 * ``link`` when it is a path of the app itself, as the browser resolves it (``/\evil.com`` and ``/\t/evil.com`` are
 * read as ``//evil.com``, another site): resolved against this origin, kept only when it stays on it and its path
 * does not start with ``//`` (``/.//evil.com`` resolves to that path, which the router would load as another site);
 * "" otherwise.
 */
function inAppPath(link: string | undefined): string {
  if (!link?.startsWith("/")) return "";
  let url: URL;
  try {
    url = new URL(link, window.location.origin);
  } catch {
    return "";
  }
  // a path that resolves to //host (/.//evil.example, /a/..//evil.example) is another site again once navigated to
  if (url.origin !== window.location.origin || url.pathname.startsWith("//")) return "";
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * The bell in the header: the person's unread count and latest notifications (unread first), updated live from the
 * gateway's stream (and every five minutes besides). Opening one marks it read and goes to its document; "mark all"
 * marks every one read. On a wide screen the list hangs below the bell; on a phone (narrower than Ant Design's md,
 * 768 px) it is a drawer across the whole width from the top: a popover anchored at the bell, which sits mid-header
 * there, would run off the left of a 360–390 px screen.
 */
export function NotificationBell() {
  const api = useApi();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const wide = Grid.useBreakpoint().md ?? false;
  const list = useQuery({
    queryKey: ["notifications"],
    queryFn: async () => unwrap(await api.GET("/api/v1/notifications", { params: { query: { page_size: SHOWN } } })),
    refetchInterval: 300_000,
  });
  useNotificationStream(() => {
    void queries.invalidateQueries({ queryKey: ["notifications"] });
    void queries.invalidateQueries({ queryKey: ["inbox"] });
  });
  const mark = useMutation({
    mutationFn: async (body: { ids?: string[]; all?: boolean }) =>
      unwrap(await api.POST("/api/v1/notifications/read", { body: { ids: body.ids ?? [], all: body.all ?? false } })),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["notifications"] }),
  });
  const unread = list.data?.unread ?? 0;
  const openOne = (n: Notification) => {
    if (!n.read) mark.mutate({ ids: [n.id] });
    setOpen(false);
    const path = notificationPath(n);
    if (path) navigate(path);
  };
  const content = (
    <div style={wide ? { width: 360 } : undefined} data-testid="notification-panel">
      {list.isError ? (
        <Typography.Text type="danger">{notify.loadError}</Typography.Text>
      ) : (
        <List<Notification>
          loading={list.isLoading}
          dataSource={list.data?.notifications ?? []}
          locale={{ emptyText: notify.empty }}
          renderItem={(n) => (
            <List.Item style={{ paddingInline: 4 }}>
              <button type="button" onClick={() => openOne(n)} aria-label={n.title}
                style={{ all: "unset", display: "block", width: "100%", cursor: "pointer" }}>
                <Space direction="vertical" size={0} style={{ width: "100%" }}>
                  <Typography.Text strong={!n.read}>
                    {!n.read && <Badge status="processing" aria-label={notify.unread} />} {n.title}
                  </Typography.Text>
                  {n.body && <Typography.Text type="secondary" style={{ fontSize: 13 }}>{n.body}</Typography.Text>}
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>{formatDateTime(n.created_at)}</Typography.Text>
                </Space>
              </button>
            </List.Item>
          )}
        />
      )}
      {unread > 0 && (
        <Button type="link" onClick={() => mark.mutate({ all: true })} loading={mark.isPending}>
          {notify.markAll}
        </Button>
      )}
    </div>
  );
  const bell = (
    <Badge count={unread} size="small" overflowCount={99}>
      <Button aria-label={notify.bell(unread)} data-testid="notification-bell" icon={<BellIcon />}
        onClick={wide ? undefined : () => setOpen(true)} />
    </Badge>
  );
  if (!wide) {
    return (
      <>
        {bell}
        <Drawer open={open} onClose={() => setOpen(false)} placement="top" height="auto" title={notify.title} styles={{ body: { padding: "8px 12px", maxHeight: "75vh" } }}>
          {content}
        </Drawer>
      </>
    );
  }
  return (
    <Popover open={open} onOpenChange={setOpen} trigger="click" placement="bottomRight" title={notify.title}
      content={content}>
      {bell}
    </Popover>
  );
}
