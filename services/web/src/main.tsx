import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "dayjs/locale/vi";
import { App, createQueryClient } from "./App";
import { createUserManager, loadConfig } from "./auth/oidc";

const root = createRoot(document.getElementById("root") as HTMLElement);
loadConfig()
  .then((config) => {
    root.render(
      <StrictMode>
        <App manager={createUserManager(config)} queryClient={createQueryClient()} />
      </StrictMode>,
    );
  })
  .catch(() => {
    root.render(<p role="alert">Không tải được cấu hình đăng nhập của VanThu. Hãy tải lại trang hoặc báo quản trị.</p>);
  });
