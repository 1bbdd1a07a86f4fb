"""weekly_report: the reports are written and each recipient gets the workbook once per week."""

from __future__ import annotations

from tests.automations.support import NOW, write_config, write_csv


def test_each_recipient_gets_the_workbook_once_a_week(prefect_harness, smtp, tmp_path):
    from flows.weekly_report import weekly_report

    log, config = write_csv(tmp_path / "export.csv"), write_config(tmp_path, smtp_port=smtp.port)
    result = weekly_report(str(log), str(config), send=True, now=NOW)

    report = tmp_path / "weekly" / "2025-W10"
    assert result["report"] == str(report) and (report / "summary.json").is_file()
    assert sorted(smtp.received()) == [("weekly_bottleneck_report", "*", "analys@example.se"),
                                       ("weekly_bottleneck_report", "*", "chef@example.se")]
    message = smtp.messages[0]
    assert message["Subject"] == "Veckorapport om flaskhalsar, 2025-W10"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "bottlenecks.xlsx"
    assert attachment.get_content() == (report / "bottlenecks.xlsx").read_bytes()
    assert "Öppna ärenden: 8" in message.get_body(preferencelist=("plain",)).get_content()

    again = weekly_report(str(log), str(config), send=True, now="2025-03-07T12:00:00+01:00")  # same week
    assert again["counts"]["already_sent"] == 2 and len(smtp.messages) == 2
