import { formatCertificateSubject, parseDistinguishedName } from "./certificate";

describe("a certificate's subject, as people read it", () => {
  it("reads name, title (2.5.4.12), unit and agency from the service's RFC 4514 string", () => {
    expect(formatCertificateSubject(
      "CN=Nguyễn Văn Hưởng,2.5.4.12=Chủ tịch,OU=VanThu DEVELOPMENT ONLY,O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN"))
      .toBe("Nguyễn Văn Hưởng — Chủ tịch (VanThu DEVELOPMENT ONLY, Ủy ban nhân dân tỉnh Vĩnh Long)");
    expect(formatCertificateSubject("CN=Nguyễn Văn Lãnh")).toBe("Nguyễn Văn Lãnh");
    expect(formatCertificateSubject("")).toBe("");
  });

  it("unescapes commas, plus signs and hex-escaped UTF-8 in values", () => {
    expect(formatCertificateSubject("CN=Lê Văn A\\, Jr.,title=Phó Chủ tịch,O=Sở Tài chính \\+ Kế hoạch"))
      .toBe("Lê Văn A, Jr. — Phó Chủ tịch (Sở Tài chính + Kế hoạch)");
    expect(parseDistinguishedName("CN=Tr\\E1\\BA\\A7n Th\\E1\\BB\\8B B+UID=CMND:0123,C=VN")).toEqual([
      { type: "cn", value: "Trần Thị B" }, { type: "uid", value: "CMND:0123" }, { type: "c", value: "VN" }]);
  });

  it("keeps a subject that names no one as it is", () => {
    expect(formatCertificateSubject("O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN")).toBe("O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN");
  });
});
