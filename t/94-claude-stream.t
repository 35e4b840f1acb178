#!/usr/bin/perl
# The real claude, transport stream, in default, acceptEdits and bypassPermissions
# against the scripted model server (issue #14): see t/lib/ClaudeMatrix.pm.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use ClaudeMatrix;
use Test::More;

AgentdTest->require_stack;
AgentdTest->require_agent('claude');
ClaudeMatrix::run('stream');
