"""QR codes: the signed payload format (mobile_contract/qr.md), images and printable sheets."""
