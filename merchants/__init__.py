"""The merchant domain: payment requests, QR codes, daily takings, refunds, reconversion."""
