import { useRef } from "react";
import { ApiError, type Problem } from "../../api/client";
import type { components } from "../../api/schema";
import { useAuth } from "../../auth/AuthProvider";

export type StoredObject = components["schemas"]["StoredObject"];

/** Why ``file`` is not worth sending (the server refuses an empty file), said before the upload starts: the
 * file's name and what to do, not "hãy tải lại"; ``undefined`` when it may go. */
export function emptyFileProblem(file: File): string | undefined {
  return file.size === 0 ? `Tệp «${file.name}» rỗng (0 byte): hãy chọn đúng tệp.` : undefined;
}

/** Stores one file for the person's agency; ``onProgress`` gets the percentage sent (0–100). */
export type Uploader = (file: File, onProgress: (percent: number) => void) => Promise<StoredObject>;

/**
 * ``POST /api/v1/files`` (multipart, the file part ``file``) through XMLHttpRequest, the one browser API that reports
 * upload progress (fetch does not). Resolves to the stored object; rejects with an ApiError carrying the gateway's
 * problem (413 too large, 400 refused type…) or status 0 when the network failed. A 401 ends the session.
 */
export function xhrUploader(token: () => string | undefined, onUnauthorized: () => void): Uploader {
  return (file, onProgress) =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", "/api/v1/files");
      const value = token();
      if (value) xhr.setRequestHeader("Authorization", `Bearer ${value}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable && event.total > 0) onProgress(Math.round((event.loaded / event.total) * 100));
      };
      xhr.onload = () => {
        let body: unknown;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = {};
        }
        if (xhr.status === 201 || xhr.status === 200) {
          onProgress(100);
          resolve((body as { object: StoredObject }).object);
          return;
        }
        if (xhr.status === 401) onUnauthorized();
        reject(new ApiError(xhr.status, body as Partial<Problem>));
      };
      xhr.onerror = () => reject(new ApiError(0, { detail: "Mất kết nối mạng khi tải tệp lên." }));
      const form = new FormData();
      form.append("file", file, file.name);
      xhr.send(form);
    });
}

/** The uploader of the signed-in person (their current token at the time of each upload). */
export function useUploader(): Uploader {
  const { user, endSession } = useAuth();
  const token = useRef<string | undefined>(undefined);
  token.current = user?.access_token;
  const uploader = useRef<Uploader | null>(null);
  uploader.current ??= xhrUploader(() => token.current, endSession);
  return uploader.current;
}
