# Directories, skills, files and upload tests (issue: utility endpoints).
AGD_T_FILES_TESTS = t/70-directories.t t/71-skills.t t/72-files.t t/73-upload.t t/74-diff.t \
	t/75-upload-confined.t
TESTS += $(AGD_T_FILES_TESTS)
EXTRA_DIST += $(AGD_T_FILES_TESTS)
