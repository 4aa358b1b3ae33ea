/** Sổ văn bản: the words of the register books screen (Decree 30/2020 Art. 15, 22 and Appendix IV). */
export const reg = {
  title: "Sổ văn bản",
  direction: { incoming: "Sổ văn bản đến", outgoing: "Sổ văn bản đi", copy: "Sổ bản sao" } as Record<string, string>,
  /** The switch's labels (short: three fit on a 360 px phone). */
  short: { incoming: "Văn bản đến", outgoing: "Văn bản đi", copy: "Bản sao" } as Record<string, string>,
  directionLabel: "Loại sổ",
  register: "Sổ đăng ký",
  chooseRegister: "Chọn sổ",
  year: "Năm",
  /** An outgoing (or copy) book's period is by the document's date (Ngày văn bản: the day it was numbered and issued,
   * Decree 30/2020 Appendix IV), as its export. */
  period: "Ngày văn bản: từ ngày – đến ngày",
  /** An incoming book's period is by the day documents arrived (Ngày đến), as its export. */
  arrivalPeriod: "Ngày đến: từ ngày – đến ngày",
  closed: "Đã đóng",
  open: "Đang dùng",
  noRegister: "Cơ quan chưa mở sổ nào loại này.",
  /** Under the register picker when the agency keeps more than one outgoing register (quyết định in their own). */
  ownRegisters: (names: string[]) => `Văn bản đi được cấp số trong ${names.length} sổ: ${names.join(", ")}. Văn bản `
    + "thuộc loại có sổ riêng (như quyết định) chỉ có trong sổ đó: chọn sổ ở ô “Sổ đăng ký”.",
  entries: "Các văn bản trong sổ",
  empty: "Không có văn bản nào trong sổ trong khoảng thời gian này.",
  more: "Còn nữa — hãy thu hẹp khoảng thời gian hoặc xuất sổ để xem đủ.",
  columns: {
    number: "Số",
    date: "Ngày văn bản",
    arrivalDate: "Ngày đến",
    arrivalNumber: "Số đến",
    author: "Cơ quan ban hành",
    numberSymbol: "Số, ký hiệu",
    party: "Cơ quan ban hành / nơi nhận",
    abstract: "Trích yếu",
    status: "Trạng thái",
  },
  exportLabel: "Xuất sổ",
  exportAs: (format: string) => `Xuất sổ ra ${format}`,
  exported: "Đã tải sổ về máy.",
  exportFailed: "Không xuất được sổ",
  create: "Mở sổ mới",
  createTitle: "Mở sổ đăng ký mới",
  name: "Tên sổ",
  nameRequired: "Hãy nhập tên sổ.",
  nameHelp: "Ví dụ: Sổ đăng ký văn bản đến năm 2026",
  abbreviation: "Chữ viết tắt tên cơ quan",
  abbreviationHelp: "Dùng trong ký hiệu văn bản đi, ví dụ UBND, SNN&PTNT",
  types: "Loại văn bản cấp số trong sổ",
  typesHelp: "Để trống: mọi loại chưa có sổ riêng",
  legalNormative: "Sổ văn bản quy phạm pháp luật (chọn đúng một loại)",
  separateSeries: "Mở thêm một dãy số đến riêng",
  created: "Đã mở sổ.",
  start: "Tiếp tục số",
  /** What Tiếp tục số does, beside the button (a tooltip on a wide screen, read aloud as its description). */
  startHint: (year: number) => `Khi chuyển sang VanThu giữa năm ${year}: sổ cấp tiếp từ số mà hệ thống cũ (hoặc sổ `
    + "giấy) sẽ cấp, thay vì từ 01.",
  startTitle: (year: number) => `Tiếp tục dãy số năm ${year} từ hệ thống cũ`,
  /** What the server does (registry registers_store.set_start), in the words of Decree 30/2020 Art. 15. */
  startHelp: (year: number, word: string) => [
    `Số của sổ chạy theo từng năm: bắt đầu từ 01 ngày 01/01 và kết thúc ngày 31/12 (Nghị định 30/2020, Điều 15). `
      + `Khi cơ quan chuyển sang VanThu giữa năm, hãy nhập ${word} mà hệ thống cũ (hoặc sổ giấy) sẽ cấp tiếp: văn bản `
      + `đầu tiên vào sổ này trong năm ${year} nhận đúng ${word} đó; các ${word} nhỏ hơn coi như đã cấp ở hệ thống cũ, `
      + "không được cấp lại.",
    `Chỉ áp dụng cho năm ${year}: từ ngày 01/01/${year + 1} sổ lại cấp từ số 01.`,
    `Chỉ đặt được một lần trong năm ${year}, trước khi sổ cấp số đầu tiên của năm; người đặt, thời điểm và lý do được `
      + "ghi vào lịch sử sổ.",
  ],
  /** The word for the register's number: số đến for an incoming register, số (văn bản) otherwise. */
  numberWord: { incoming: "số đến", outgoing: "số", copy: "số" } as Record<string, string>,
  /** Under the number once typed: what the first document will get. */
  startEffect: (first: string, last: string) => `Văn bản đầu tiên vào sổ sẽ nhận số ${first}; các số từ 01 đến ${last} `
    + "không được cấp lại.",
  /** The series has started already this year (numbered, or a start set): the registry would refuse. */
  startTaken: (year: number, next: string) => `Dãy số năm ${year} của sổ này đã bắt đầu (số tiếp theo: ${next}): không `
    + "đặt lại được. Văn bản cũ chưa có trong sổ thì nhập sổ cũ thay vì đặt số.",
  nextNumber: "Số tiếp theo",
  nextNumberRequired: "Hãy nhập số tiếp theo (từ 2 trở lên).",
  reason: "Lý do",
  reasonRequired: "Hãy nhập lý do.",
  startReasonHelp: "Dãy số lấy từ đâu (được lưu vào lịch sử sổ)",
  started: (n: number, year: number) => `Sổ sẽ cấp tiếp từ số ${n} của năm ${year}.`,
  close: "Đóng sổ",
  closeTitle: "Đóng sổ đăng ký",
  closeHelp: "Sổ đã đóng không cấp số nữa; các loại văn bản của sổ chuyển về sổ chung cùng loại.",
  closedDone: "Đã đóng sổ.",
  history: "Lịch sử sổ",
  historyAction: {
    created: "Mở sổ", start_set: "Đặt số tiếp theo", imported: "Nhập sổ cũ", closed: "Đóng sổ", flagged: "Ghi chú",
  } as Record<string, string>,
};
