"""Reading the city's personnel-transfer Excel file (職員・組織の異動データ)."""
