import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Card, Descriptions, Space, Switch, Tag, Typography, Upload } from "antd";
import { useEffect, useState } from "react";
import { ApiError, unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import type { components } from "../../api/schema";
import { useAuth } from "../../auth/AuthProvider";
import { formatCertificateSubject } from "../../components/certificate";
import { formatDate, formatDateTime } from "../../components/dates";
import { common } from "../../components/messages";
import { IMAGE_SETTERS, PROFILE_READERS, useHasRole } from "../../components/roles";
import { Delegations } from "./Delegations";
import { prof } from "./messages";

type Profile = components["schemas"]["ProfileOut"];
/** What the gateway accepts (routes/signing.py MAX_IMAGE_BYTES). */
export const MAX_IMAGE_BYTES = 1024 * 1024;

/** Nhận thông báo qua thư điện tử: the person's own choice (``GET/PUT /api/v1/notifications/settings``). */
export function NotificationSettings() {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const settings = useQuery({
    queryKey: ["notification-settings"],
    queryFn: async () => unwrap(await api.GET("/api/v1/notifications/settings")),
  });
  const save = useMutation({
    mutationFn: async (email: boolean) => unwrap(await api.PUT("/api/v1/notifications/settings", { body: { email } })),
    onSuccess: (saved) => {
      queries.setQueryData(["notification-settings"], saved);
      void message.success(saved.email ? prof.emailOn : prof.emailOff);
    },
    onError: (e: Error) => void message.error(e.message),
  });
  return (
    <Card title={<h2 style={{ fontSize: 17, margin: 0 }}>{prof.notifications}</h2>} style={{ marginBottom: 16 }}>
      {settings.isError && <Alert type="error" showIcon message={common.error} description={settings.error.message} />}
      <Space align="center">
        <Switch id="email-notifications" checked={settings.data?.email ?? false}
          loading={settings.isLoading || save.isPending} disabled={!settings.data}
          onChange={(on) => save.mutate(on)} />
        <label htmlFor="email-notifications">{prof.email}</label>
      </Space>
      <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>{prof.emailHelp}</Typography.Paragraph>
    </Card>
  );
}

/** The person's signing profile, read only (binding keys stays with the operator's command); absent: said so. */
function ProfileDetails({ profile }: { profile: Profile }) {
  return (
    <Descriptions column={1} size="small" bordered items={[
      { key: "kind", label: prof.kindLabel, children: prof.kind[profile.kind] ?? profile.kind },
      { key: "custody", label: prof.custody, children: prof.custodyKinds[profile.custody] ?? profile.custody },
      { key: "cert", label: prof.certificate, children: profile.certificate_subject
        ? <span title={profile.certificate_subject}>{formatCertificateSubject(profile.certificate_subject)}</span> : "—" },
      { key: "after", label: prof.notAfter, children: formatDate(profile.certificate_not_after) || "—" },
      { key: "image", label: profile.kind === "agency" ? prof.sealImage : prof.image,
        children: profile.has_image ? <Tag color="#237804">{prof.hasImage}</Tag> : <Tag>{prof.noImage}</Tag> },
      { key: "updated", label: prof.updatedAt, children: formatDateTime(profile.updated_at) || "—" },
    ]} />
  );
}

/** Checks an image before it is sent: a PNG of at most 1 MB; the message to show, or "". */
export function imageProblem(file: { name: string; type: string; size: number }): string {
  if (file.type !== "image/png" && !file.name.toLowerCase().endsWith(".png")) return prof.imageNotPng;
  if (file.size > MAX_IMAGE_BYTES) return prof.imageTooLarge;
  return "";
}

/**
 * Hồ sơ ký số: the caller's profile (leaders and heads their own, clerks and admins the agency's seal) and, for those
 * who may (leader, head: their signature; admin: the seal), a new PNG image (``PUT /api/v1/signing/profile/image``).
 */
export function SigningProfile() {
  const api = useApi();
  const queries = useQueryClient();
  const { message } = App.useApp();
  const canSet = useHasRole(...IMAGE_SETTERS);
  const [problem, setProblem] = useState("");
  const [preview, setPreview] = useState("");
  useEffect(() => () => { if (preview) URL.revokeObjectURL(preview); }, [preview]);
  const profile = useQuery({
    queryKey: ["signing-profile"],
    queryFn: async () => unwrap(await api.GET("/api/v1/signing/profile")),
    retry: false,
  });
  const upload = useMutation({
    mutationFn: async (file: File) => {
      const form = new FormData();
      form.append("image", file, file.name);
      return unwrap(await api.PUT("/api/v1/signing/profile/image", {
        body: form as never, bodySerializer: (body: unknown) => body as FormData }));
    },
    onSuccess: (saved, file) => {
      queries.setQueryData(["signing-profile"], saved);
      setPreview(URL.createObjectURL(file));
      void message.success(prof.imageSaved);
    },
  });
  // the signing service answers 422 (failed precondition) while the operator has bound no key for the person or seal
  const missing = profile.error instanceof ApiError && [404, 422].includes(profile.error.status);
  return (
    <Card title={<h2 style={{ fontSize: 17, margin: 0 }}>{prof.signing}</h2>} style={{ marginBottom: 16 }}>
      <Typography.Paragraph type="secondary">{prof.signingHelp}</Typography.Paragraph>
      {missing && <Alert type="info" showIcon message={prof.noProfile} />}
      {profile.isError && !missing && <Alert type="error" showIcon message={common.error} description={profile.error.message} />}
      {profile.data && <ProfileDetails profile={profile.data} />}
      {canSet && profile.data && (
        <div style={{ marginTop: 16 }}>
          <Upload.Dragger accept=".png,image/png" maxCount={1} showUploadList={false} disabled={upload.isPending}
            beforeUpload={(file) => {
              const wrong = imageProblem(file);
              setProblem(wrong);
              if (!wrong) upload.mutate(file);
              return false;
            }}>
            <p style={{ margin: 0 }}>
              {profile.data.kind === "agency" ? `${prof.upload} — ${prof.sealImage.toLowerCase()}` : prof.upload}
            </p>
          </Upload.Dragger>
          <Typography.Paragraph type="secondary" style={{ marginTop: 8 }}>{prof.imageHelp}</Typography.Paragraph>
          {problem && <Alert type="error" showIcon message={problem} />}
          {upload.isError && <Alert type="error" showIcon message={upload.error.message} />}
          {preview && <img src={preview} alt={prof.preview} style={{ maxWidth: 240, maxHeight: 120,
            border: "1px solid #d9d9d9", marginTop: 8 }} />}
        </div>
      )}
    </Card>
  );
}

/**
 * Thông tin cá nhân (``/ca-nhan``): who I am, my e-mail notifications, ủy quyền (leaders and heads; others when
 * someone delegated to them) and, for those who have one, my signing profile.
 */
export function ProfilePage() {
  const { person } = useAuth();
  const api = useApi();
  const hasProfile = useHasRole(...PROFILE_READERS);
  const code = person?.agency ?? "";
  // the agency's name from the directory (the same query key as elsewhere: read once); its code while it loads
  const agency = useQuery({ queryKey: ["agency", code], enabled: !!code, staleTime: 300_000, retry: false,
    queryFn: async () => unwrap(await api.GET("/api/v1/agencies/{code}", { params: { path: { code } } })) });
  return (
    <>
      <Typography.Title level={1} style={{ fontSize: 22 }}>{prof.title}</Typography.Title>
      <Descriptions column={1} size="small" style={{ marginBottom: 16 }} items={[
        { key: "name", label: prof.name, children: person?.name },
        { key: "roles", label: prof.roles,
          children: (person?.roles ?? []).map((r) => <Tag key={r}>{common.roles[r]}</Tag>) },
        { key: "agency", label: prof.agency, children: agency.data ? `${agency.data.name} (${code})` : code },
      ]} />
      <NotificationSettings />
      <Delegations />
      {hasProfile && <SigningProfile />}
    </>
  );
}
