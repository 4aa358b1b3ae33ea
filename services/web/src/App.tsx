import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider, Result, Skeleton } from "antd";
import viVN from "antd/locale/vi_VN";
import type { UserManager } from "oidc-client-ts";
import { lazy, Suspense, useMemo, type ReactNode } from "react";
import { BrowserRouter, Link, Route, Routes } from "react-router-dom";
import { ApiProvider } from "./api/ApiProvider";
import { ApiError } from "./api/client";
import { AuthProvider } from "./auth/AuthProvider";
import { CALLBACK_PATH, SESSION_ENDED_PATH, SIGNED_OUT_PATH } from "./auth/oidc";
import { AppLayout } from "./components/AppLayout";
import { common } from "./components/messages";
import { Landing } from "./features/home/Landing";
import { Callback, RequireAuth, SessionEnded, SignedOut } from "./features/session/SessionPages";

/** The screens, each its own chunk: the first load carries only the shell, sign-in and the screen opened. */
const DocumentPage = lazy(async () => ({ default: (await import("./features/documents/DocumentPage")).DocumentPage }));
const Home = lazy(async () => ({ default: (await import("./features/home/Home")).Home }));
const IncomingList = lazy(async () => ({ default: (await import("./features/incoming/IncomingList")).IncomingList }));
const OutgoingList = lazy(async () => ({ default: (await import("./features/outgoing/OutgoingList")).OutgoingList }));
const DraftPage = lazy(async () => ({ default: (await import("./features/outgoing/DraftPage")).DraftPage }));
const SearchPage = lazy(async () => ({ default: (await import("./features/search/SearchPage")).SearchPage }));
const JobsPage = lazy(async () => ({ default: (await import("./features/jobs/JobsPage")).JobsPage }));
const JobPage = lazy(async () => ({ default: (await import("./features/jobs/JobPage")).JobPage }));
const Dashboard = lazy(async () => ({ default: (await import("./features/dashboard/Dashboard")).Dashboard }));
const ExchangeStatistics = lazy(async () => ({
  default: (await import("./features/exchange/ExchangeStatistics")).ExchangeStatistics }));
const SigningPage = lazy(async () => ({ default: (await import("./features/signing/SigningPage")).SigningPage }));
const RegistersPage = lazy(async () => ({ default: (await import("./features/registers/RegistersPage")).RegistersPage }));
const PaperArrival = lazy(async () => ({ default: (await import("./features/incoming/PaperArrival")).PaperArrival }));
const AdminPage = lazy(async () => ({ default: (await import("./features/admin/AdminPage")).AdminPage }));
const ProfilePage = lazy(async () => ({ default: (await import("./features/profile/ProfilePage")).ProfilePage }));
const RecordsPage = lazy(async () => ({ default: (await import("./features/records/RecordsPage")).RecordsPage }));
const FilePage = lazy(async () => ({ default: (await import("./features/records/FilePage")).FilePage }));
const MyWork = lazy(async () => ({ default: (await import("./features/work/MyWork")).MyWork }));

function Screen({ children }: { children: ReactNode }) {
  return <Suspense fallback={<Skeleton active />}>{children}</Suspense>;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
    },
  });
}

/** Theme: darker shades than Ant Design's defaults wherever text sits on white, for WCAG AA contrast (≥ 4.5:1). */
const THEME = {
  token: {
    colorPrimary: "#0958d9",
    // hovered buttons and links keep AA contrast too (Ant Design's default hover blue is lighter: about 3:1)
    colorPrimaryHover: "#003eb3",
    colorLinkHover: "#003eb3",
    colorLink: "#0958d9",
    colorError: "#cf1322",
    colorSuccess: "#237804",
    colorWarning: "#ad6800",
    colorTextDescription: "#595959",
    colorTextTertiary: "#595959",
    colorTextPlaceholder: "#6b6b6b",
    fontSize: 15,
  },
};

/** The app; ``nonce``: the page's CSP nonce (``<meta name="csp-nonce">``), which Ant Design puts on its <style>
 * elements (undefined: Vite's dev server and tests, which send no policy). */
export function App({ manager, queryClient, nonce }: { manager: UserManager; queryClient: QueryClient; nonce?: string }) {
  const csp = useMemo(() => (nonce ? { nonce } : undefined), [nonce]);
  return (
    <ConfigProvider locale={viVN} theme={THEME} csp={csp}>
      <AntApp message={{ top: 80 }}>
        <QueryClientProvider client={queryClient}>
          <AuthProvider manager={manager}>
            <ApiProvider>
              <BrowserRouter>
                <Routes>
                  <Route path={CALLBACK_PATH} element={<Callback />} />
                  <Route path={SIGNED_OUT_PATH} element={<SignedOut />} />
                  <Route path={SESSION_ENDED_PATH} element={<SessionEnded />} />
                  <Route element={<RequireAuth><AppLayout /></RequireAuth>}>
                    <Route index element={<Landing><Screen><Home /></Screen></Landing>} />
                    <Route path="van-ban-den" element={<Screen><IncomingList /></Screen>} />
                    <Route path="van-ban-den/nhap-ban-giay" element={<Screen><PaperArrival /></Screen>} />
                    <Route path="so-van-ban" element={<Screen><RegistersPage /></Screen>} />
                    <Route path="quan-tri" element={<Screen><AdminPage /></Screen>} />
                    <Route path="ca-nhan" element={<Screen><ProfilePage /></Screen>} />
                    <Route path="van-ban-di" element={<Screen><OutgoingList /></Screen>} />
                    <Route path="van-ban-di/soan" element={<Screen><DraftPage /></Screen>} />
                    <Route path="van-ban-di/:id/sua" element={<Screen><DraftPage /></Screen>} />
                    <Route path="van-ban/:id" element={<Screen><DocumentPage /></Screen>} />
                    <Route path="tra-cuu" element={<Screen><SearchPage /></Screen>} />
                    <Route path="cong-viec" element={<Screen><MyWork title={common.menu.work} filterable /></Screen>} />
                    <Route path="giao-viec" element={<Screen><JobsPage /></Screen>} />
                    <Route path="giao-viec/:id" element={<Screen><JobPage /></Screen>} />
                    <Route path="thong-ke" element={<Screen><Dashboard /></Screen>} />
                    <Route path="thong-ke-lien-thong" element={<Screen><ExchangeStatistics /></Screen>} />
                    <Route path="ky-so" element={<Screen><SigningPage /></Screen>} />
                    <Route path="ho-so" element={<Screen><RecordsPage /></Screen>} />
                    <Route path="ho-so/:id" element={<Screen><FilePage /></Screen>} />
                    <Route path="*" element={<Result status="404" title={common.notFound} extra={<Link to="/">{common.menu.home}</Link>} />} />
                  </Route>
                </Routes>
              </BrowserRouter>
            </ApiProvider>
          </AuthProvider>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
