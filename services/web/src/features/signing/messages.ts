/** The words of ký số bằng USB token (two-step signing with a key the server does not hold). */
export const sign = {
  title: "Ký số bằng USB token",
  intro: "Ký văn bản bằng chứng thư số trên USB token của bạn: máy chủ chuẩn bị dữ liệu cần ký, công cụ ký số trên máy " +
    "tính này ký bằng khóa trong USB token (bạn nhập mã PIN trên công cụ), rồi máy chủ gắn chữ ký vào văn bản.",
  file: "Văn bản cần ký (PDF)",
  chooseFile: "Kéo thả tệp PDF vào đây hoặc bấm để chọn tệp",
  onlyPdf: "Chỉ ký được tệp PDF.",
  uploading: "Đang tải tệp lên…",
  chosen: (name: string) => `Tệp: ${name}`,
  otherFile: "Chọn tệp khác",
  placement: "Vị trí chữ ký",
  placementBefore: "Hình chữ ký của bạn được đặt tại dấu [[CHU_KY]] trong văn bản; sau khi ký, trang có chữ ký hiện ở dưới " +
    "để bạn kiểm tra.",
  placementAfter: (page: number) => `Hình chữ ký đã đặt tại trang ${page} (khung màu đỏ).`,
  page: (n: number) => `Trang ${n}`,
  signatureBox: "Chữ ký số",
  tool: "Công cụ ký số",
  toolAt: (url: string) => `Công cụ ký số trên máy tính này: ${url}`,
  toolReady: (name: string, version: string) => `Đã kết nối ${name} ${version}`.trim(),
  toolNoToken: "Công cụ ký số đang chạy nhưng chưa thấy USB token.",
  checkTool: "Kiểm tra công cụ ký số",
  noTool: "Hệ thống chưa cấu hình công cụ ký số; hãy liên hệ quản trị.",
  serverKey: "Khóa ký số của bạn do hệ thống giữ: hãy ký trên trang văn bản (nút Ký số), không cần USB token.",
  noProfile: "Bạn chưa có hồ sơ ký số. Hãy liên hệ quản trị để được gắn chứng thư số.",
  certificate: "Chứng thư số",
  validTo: "Hiệu lực đến",
  button: "Ký số",
  steps: { prepare: "Chuẩn bị", tool: "Ký trên USB token", complete: "Gắn chữ ký" },
  waitingTool: "Đang chờ công cụ ký số: hãy nhập mã PIN trên cửa sổ của công cụ.",
  done: "Đã ký số văn bản.",
  signedAt: "Thời điểm ký",
  download: "Tải văn bản đã ký",
  again: "Ký văn bản khác",
  preview: "Văn bản đã ký",
  expired: "Phiên ký đã hết hạn, hãy ký lại.",
  dialog: {
    title: "Ký số văn bản",
    placing: "Đang xác định vị trí chữ ký…",
    where: (page: number, pages: number) =>
      `Hình chữ ký của bạn sẽ được đặt tại trang ${page}/${pages}, trong khung viền đỏ bên dưới. Hãy kiểm tra trước khi ký.`,
    mark: "Hình chữ ký của bạn sẽ đặt ở đây",
    serverKey: "Văn bản sẽ được ký số bằng chứng thư số của bạn do hệ thống lưu giữ. Sau khi ký, văn bản không sửa được nữa.",
    usbKey: "Văn bản sẽ được ký bằng USB token của bạn: bấm Ký số, rồi nhập mã PIN trên cửa sổ của công cụ ký số. Sau khi " +
      "ký, văn bản không sửa được nữa.",
    noImage: "Bạn chưa có hình chữ ký. Hãy tải hình chữ ký lên ở trang Thông tin cá nhân trước khi ký.",
    noMainFile: "Văn bản chưa có tệp chính (PDF) để ký.",
    cancel: "Hủy",
  },
};

/** The check of a draft's main file as it is uploaded: the placeholders signing and issuing fill in. */
export const draftCheck = {
  title: (missing: string[]) => `Tệp dự thảo thiếu ${missing.join(", ")}: chưa trình ký được`,
};
