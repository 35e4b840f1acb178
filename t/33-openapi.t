#!/usr/bin/perl
# The OpenAPI 3.1 description (issue #18): served by nginx at
# /api/agents/openapi.json as doc/openapi.json is; every route of fcgi/ is in it;
# its error words are lib/err.c's; it is a valid OpenAPI 3.1
# document by @seriousme/openapi-schema-validator from npm (.ci/run installs it:
# AGENTD_OPENAPI_VALIDATOR, else AGENTS_DIR/openapi/node_modules/.bin/validate-api).
# That every JSON reply of the suite matches it is AgentdTest's teardown check.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use AgentdTest;
use JSON::PP;
use Test::More;

AgentdTest->require_stack;
my $src = AgentdTest->srcdir;
my $file = AgentdTest->slurp("$src/doc/openapi.json");
my $doc = JSON::PP->new->decode($file);
is($doc->{openapi}, '3.1.0', 'OpenAPI 3.1');

# The routes: fcgi's entries, ".method = ..., .path = ..." in one initializer.
my %routes;
for my $c (glob "$src/fcgi/*.c") {
	my $text = AgentdTest->slurp($c);
	while ($text =~ /\.method\s*=\s*"(\w+)",\s*\.path\s*=\s*"([^"]+)"/g) {
		my ($m, $p) = ($1, $2);
		$p =~ s/:(\w+)/{$1}/g;
		$routes{"$m $p"} = 1;
	}
}
cmp_ok(scalar keys %routes, '>', 20, 'the routes of fcgi/ are found (' . keys(%routes) . ')');
# Served outside fcgi's table: the login (fcgi/request.c) and this document (nginx).
my %extra = map { $_ => 1 } 'GET /api/agents/login', 'GET /api/agents/openapi.json';
my %documented;
for my $p (keys %{$doc->{paths}}) {
	$documented{uc($_) . " $p"} = 1 for grep { /^(?:get|post|put|delete|patch)$/ }
	    keys %{$doc->{paths}{$p}};
}
is_deeply([sort grep { !$documented{$_} } keys %routes], [], 'every route is documented');
# The other way round is not checked: the document may describe an operation a
# branch is about to land (GET /api/agents/metrics, /me, POST .../limits) before
# its route is here.
note('documented, not (yet) a route: ', join(', ', sort grep { !$routes{$_} && !$extra{$_} }
    keys %documented));

# The request bodies: every field and alias of fcgi's field tables (lib/field.h,
# ".name = ..." and ".alias = ...", with its macros) is a property of the
# operation's request schema, so an alias cannot be accepted and undocumented.
my $macros = AgentdTest->slurp("$src/lib/field.h");
my %macro;
while ($macros =~ /^#define (AGD_FIELDS?_[A-Z_]+) \\\n((?:.*\\\n)*.*)$/mg) {
	$macro{$1} = $2;
}
sub body_props {
	my ($schema) = @_;
	$schema = $schema->{'$ref'} ? $doc->{components}{schemas}{($schema->{'$ref'} =~ m{([^/]+)$})[0]}
	    : $schema;
	my %p = %{$schema->{properties} // {}};
	%p = (%p, body_props($_)) for @{$schema->{allOf} // []};
	return %p;
}
my @fields;
for my $c (glob "$src/fcgi/*.c") {
	my $text = AgentdTest->slurp($c);
	my %table;
	while ($text =~ /struct agd_field (\w+)\[\] = \{(.*?)\n\};/sg) {
		my ($name, $body) = ($1, $2);
		$body =~ s/\b(AGD_FIELDS?_[A-Z_]+)\b/$macro{$1} \/\/ $1/ge;
		$table{$name} = [ $body =~ /\.(?:name|alias)\s*=\s*"(\w+)"/g ];
	}
	while ($text =~ /\.method\s*=\s*"(\w+)",\s*\.path\s*=\s*"([^"]+)",(.*?)\n\};/sg) {
		my ($m, $p, $rest) = ($1, $2, $3);
		my ($t) = $rest =~ /\.fields\s*=\s*(\w+)/ or next;
		$p =~ s/:(\w+)/{$1}/g;
		my $op = $doc->{paths}{$p}{lc $m} // next;
		my $schema = $op->{requestBody}{content}{'application/json'}{schema} // {};
		my %props = body_props($schema);
		push @fields, map { "$m $p: $_" } grep { !$props{$_} } @{$table{$t} // []};
		push @fields, "$m $p: table $t not found" unless $table{$t};
	}
}
is(join(', ', @fields), '', 'every field and alias of a request body is documented');

my @words = AgentdTest->slurp("$src/lib/err.c") =~ /\{ "([a-z_]+)", \d+ \}/g;
is_deeply([sort @{$doc->{components}{schemas}{Error}{properties}{code}{enum}}], [sort @words],
    'the error words are lib/err.c\'s');

# The check of the replies closes every object: a field the document does not
# name is a violation (the drift of a new field is caught), a listed one is not.
SKIP: {
	skip 'no JSON::Validator (libjson-validator-perl)', 2
	    unless eval { require JSON::Validator; 1 };
	my $jv = JSON::Validator->new->schema({
	    '$schema' => 'https://json-schema.org/draft/2019-09/schema',
	    %{AgentdTest::_openapi_closed($doc,
	    { '$ref' => '#/components/schemas/SessionDetail' }, 0)} });
	my %s = (name => 'a', agentType => 'sh', status => 'running', transport => 'tty',
	    events => [{ seq => 1, type => 'status', event => { any => 'thing' } }]);
	is_deeply([map { "$_" } $jv->validate({ %s })], [], 'closed: the listed fields pass');
	like(join(' ', $jv->validate({ %s, newField => 1 })), qr/newField/,
	    'closed: a field the document does not list is a violation');
}

my $t = AgentdTest->new;
my ($s, $j, $h, $raw) = $t->get('/api/agents/openapi.json');
is($s, 200, 'GET /api/agents/openapi.json');
like($h->{'content-type'} // '', qr{^application/json}, 'as JSON');
is($raw, $file, 'doc/openapi.json as it is');

SKIP: {
	my $v = $ENV{AGENTD_OPENAPI_VALIDATOR}
	    || ($ENV{AGENTD_AGENTS_DIR} || "$ENV{HOME}/.cache/agentd-agents")
	    . '/openapi/node_modules/.bin/validate-api';
	skip "no $v (.ci/run installs \@seriousme/openapi-schema-validator)", 1 unless -x $v;
	my $out = `'$v' '$src/doc/openapi.json' 2>&1`;
	like($out, qr/"valid":\s*true/, 'validate-api: a valid OpenAPI 3.1 document') or diag($out);
}
$t->done;
