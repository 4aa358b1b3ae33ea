"""Registry service (sổ đăng ký, danh bạ cơ quan): agencies, document types, registers, documents."""
