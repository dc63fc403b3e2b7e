"""The Engagement Assurance Report: findings and wording rules, HTML, JSON and PDF."""
