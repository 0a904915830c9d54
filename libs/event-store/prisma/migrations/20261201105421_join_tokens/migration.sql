-- CreateTable
CREATE TABLE "join_tokens" (
    "id" TEXT NOT NULL,
    "cluster" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL,
    "expires_at" TIMESTAMPTZ(6) NOT NULL,
    "revoked_at" TIMESTAMPTZ(6),

    CONSTRAINT "join_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "join_tokens_cluster_idx" ON "join_tokens"("cluster");
