export const messages = {
  signedOutTitle: "Bạn đã đăng xuất",
  signedOutText: "Phiên làm việc của bạn trên VanThu đã kết thúc. Hãy đóng trình duyệt nếu bạn dùng máy chung.",
  endedTitle: "Phiên làm việc đã kết thúc",
  endedText:
    "Bạn cần đăng nhập lại: phiên làm việc đã hết hạn hoặc đã bị đăng xuất ở nơi khác. Những gì chưa lưu trên trang vừa rồi không được ghi lại.",
  signInAgain: "Đăng nhập lại",
  signingIn: "Đang chuyển đến trang đăng nhập…",
  callbackFailed: "Không hoàn tất được việc đăng nhập",
};
