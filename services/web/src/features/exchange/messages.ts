/** The words of thống kê liên thông (the exchange statistics), as the provincial office says them (the same column
 * names as the XLSX the server writes). */
export const exch = {
  title: "Thống kê gửi, nhận văn bản điện tử",
  intro: "Số văn bản gửi, nhận qua liên thông của cơ quan và các cơ quan trực thuộc trong thời gian đã chọn "
    + "(chỉ đếm số lượng, không có nội dung văn bản).",
  badRange: "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc, cách nhau nhiều nhất 366 ngày.",
  xlsx: "Xuất Excel (XLSX)",
  exportFailed: "Không xuất được tệp Excel, hãy thử lại.",
  onlyActive: "Chỉ hiện cơ quan có số liệu",
  empty: "Không có văn bản nào được gửi, nhận trong thời gian này.",
  total: "Tổng cộng",
  columns: {
    agency_code: "Mã định danh",
    agency_name: "Cơ quan",
    packages_sent: "Văn bản đã gửi",
    deliveries: "Lượt gửi (theo nơi nhận)",
    deliveries_failed: "Gửi không thành công",
    packages_received: "Văn bản đã nhận",
    packages_returned: "Văn bản đã trả lại (02)",
    returned_by_recipients: "Bị nơi nhận trả lại (02)",
    revocations_sent: "Yêu cầu lấy lại (13)",
    revocations_accepted: "Nơi nhận đồng ý lấy lại (15)",
    revocations_refused: "Nơi nhận từ chối lấy lại (16)",
    acknowledgements_overdue: "Chưa báo đã đến trong ngày (01)",
  },
};
