/**
 * What the application says when the gateway's answer carries no text of its own (a proxy's error page, a dropped
 * connection, a status without a problem document): one Vietnamese sentence per HTTP status, saying what to do next.
 */
const byStatus: Record<number, string> = {
  400: "Yêu cầu chưa hợp lệ: hãy kiểm tra lại các thông tin đã nhập.",
  401: "Phiên đăng nhập đã hết hạn: hãy đăng nhập lại.",
  403: "Đồng chí không có quyền thực hiện việc này.",
  404: "Không tìm thấy dữ liệu: có thể đã bị xóa hoặc thuộc cơ quan khác.",
  409: "Dữ liệu vừa được người khác thay đổi: hãy tải lại trang rồi làm lại.",
  413: "Tệp hoặc dữ liệu gửi lên quá lớn: hãy gửi tệp nhỏ hơn.",
  415: "Loại tệp này không được nhận.",
  416: "Đoạn tệp yêu cầu không có: hãy tải lại tệp.",
  422: "Chưa thực hiện được ở trạng thái hiện tại của văn bản: hãy tải lại trang để xem trạng thái mới.",
  429: "Đồng chí gửi quá nhiều yêu cầu: hãy chờ một lát rồi thử lại.",
  500: "Hệ thống gặp lỗi ngoài dự kiến: hãy thử lại sau, nếu vẫn lỗi hãy báo quản trị hệ thống.",
  502: "Một dịch vụ của hệ thống đang lỗi: hãy thử lại sau ít phút.",
  503: "Hệ thống tạm thời chưa sẵn sàng: hãy thử lại sau ít phút.",
  504: "Hệ thống phản hồi quá lâu: hãy thử lại sau ít phút.",
};

/** The sentence for ``status``; a status without its own sentence gets its class's (4xx: the request, 5xx: the system). */
export function statusMessage(status: number): string {
  const own = byStatus[status];
  if (own) return own;
  if (status >= 500) return `Hệ thống đang gặp sự cố (mã ${status}): hãy thử lại sau ít phút.`;
  if (status >= 400) return `Yêu cầu không thực hiện được (mã ${status}): hãy kiểm tra lại rồi thử lại.`;
  return `Không kết nối được máy chủ (mã ${status}): hãy kiểm tra mạng rồi thử lại.`;
}
