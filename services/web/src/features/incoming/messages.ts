export const messages = {
  title: "Văn bản đến",
  tabs: { arrived: "Chờ vào sổ", registered: "Đã vào sổ", rejected: "Đã trả lại" },
  columns: {
    numberSymbol: "Số, ký hiệu",
    issuer: "Cơ quan ban hành",
    abstract: "Trích yếu",
    documentDate: "Ngày văn bản",
    arrivedAt: "Ngày đến",
    arrivalNumber: "Số đến",
    signature: "Chữ ký số",
    urgency: "Độ khẩn",
  },
  empty: { arrived: "Không có văn bản nào chờ vào sổ.", registered: "Chưa có văn bản nào được vào sổ.", rejected: "Không có văn bản nào bị trả lại." },
  more: "Còn nữa — hãy lọc theo ngày để xem thêm",
  /** A person's own incoming work (head, officer, leader): their tasks on arrivals. */
  work: {
    tabs: { todo: "Chờ xử lý", for_information: "Để biết", done: "Đã xử lý" },
    empty: { todo: "Không có văn bản đến nào chờ đồng chí xử lý.", for_information: "Không có văn bản đến nào gửi đồng chí để biết.",
      done: "Đồng chí chưa xử lý xong văn bản đến nào." },
    all: "Đã vào sổ (được xem)",
    /** The same tab on a phone, where the four tabs share one line of 366 px. */
    allShort: "Đã vào sổ",
    noMatch: "Không có văn bản đến nào khớp bộ lọc.",
  },
};
