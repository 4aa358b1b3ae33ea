/** Texts of the notifications bell (Vietnamese, as civil servants say it). */
export const notify = {
  bell: (unread: number) => (unread ? `Thông báo, ${unread} chưa đọc` : "Thông báo"),
  title: "Thông báo",
  empty: "Chưa có thông báo nào.",
  markAll: "Đánh dấu tất cả đã đọc",
  unread: "Chưa đọc",
  loadError: "Không tải được thông báo.",
};
