// Package mail turns outbox messages into RFC 5322 email (HTML and text
// alternatives, a deterministic Message-ID) and delivers them: FileSender
// writes each as an .eml file into the data folder (the embedded default,
// nothing to set up), SMTPSender hands them to a relay over pooled
// connections under a rate cap. Both satisfy outbox.Sender.
package mail
